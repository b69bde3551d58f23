# Bridge: optional expression policy for the Authentik notification rule that forwards events to the bridge.
# Paste into Customization > Policies > Create > Expression Policy, then bind it to the rule.
# It passes for the events the sample rules (samples/bridge.yaml) look at, so Authentik does not post
# every model_updated of every object. The bridge still decides what reaches your phone.
FORWARD = {"login", "login_failed", "configuration_error", "impersonation_started", "impersonation_ended", "update_available"}
MODELS = {"authentik_core.user", "authentik_core.group"}

event = request.context.get("event")
if event is None:
    return False
if event.action in ("model_created", "model_updated", "model_deleted"):
    model = event.context.get("model") or {}
    return f"{model.get('app')}.{model.get('model_name')}" in MODELS
return event.action in FORWARD
