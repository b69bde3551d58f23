# Bridge: header mapping for an Authentik "Generic Webhook" notification transport (Authentik 2025.4+).
# Paste into Customization > Property Mappings > Create > Webhook Mapping (field "Expression"), then pick
# it as the transport's header mapping. Replace the value with your BRIDGE_HOOK_TOKEN; keep "Bearer ".
# Anyone who can view property mappings in Authentik can read this token: give the bridge its own token.
# Releases before 2025.4 have no header mapping: put ?token=<BRIDGE_HOOK_TOKEN> in the webhook URL instead.
return {"Authorization": "Bearer REPLACE-WITH-YOUR-BRIDGE_HOOK_TOKEN"}
