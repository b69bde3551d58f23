# Bridge: body mapping for an Authentik "Generic Webhook" notification transport.
# Paste everything in this file into Customization > Property Mappings > Create > Webhook Mapping
# (field "Expression"), then pick it as the transport's body mapping. Works on 2023.x to 2026.x.
#
# Authentik runs this as the body of a function with these variables:
#   notification  the Notification being sent; notification.event is the Event (None for the
#                 transport's Test button on releases before 2025.x)
#   user          the recipient of the notification (a member of the rule's destination group)
#   request       a policy request without an HTTP request; nothing useful for a webhook
# The returned dict becomes the JSON body. Every value is built here from plain types: a model object
# returned as-is would collapse to {app, model_name, pk, name}, and older releases did not convert
# UUIDs and datetimes at all. UUIDs are written as 32 hex digits and datetimes as ISO-8601 with "Z",
# which is exactly what current releases' own conversion produces.


def iso(value):
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def hex_id(value):
    return value.hex if value is not None else None


def group_names(pk):
    """Sorted names of the user's groups, direct and inherited; None when they cannot be known."""
    if pk is None:
        return None
    try:
        found = ak_user_by(pk=pk)
        if found is None:
            # Deleted since the event. Leaving "groups" out tells the bridge it does not know them,
            # which is not the same as an empty list.
            return None
        # all_groups() is how Authentik itself decides membership (direct groups and their ancestors)
        # and exists on every current release. Neither user.ak_groups nor user.groups is safe on all
        # versions: 2026.2 renamed ak_groups to groups and every use of ak_groups now logs a warning and
        # creates a configuration_warning event; before 2026.2, user.groups is Django's unused
        # permission-group relation and is always empty.
        all_groups = getattr(found, "all_groups", None)
        groups = all_groups() if all_groups is not None else found.ak_groups.all()
        return sorted({g.name for g in groups})
    except Exception as exc:  # a failing mapping makes Authentik log an exception event and retry
        ak_logger.warning("bridge body mapping: group lookup failed", pk=pk, exc=str(exc))
        return None


def person(data):
    """The event's user: {pk, username, email} plus on_behalf_of (impersonation) or authenticated_as
    when present, and the group names. {} for system events."""
    if not data:
        return {}
    result = dict(data)
    groups = group_names(data.get("pk"))
    if groups is not None:
        result["groups"] = groups
    return result


recipient = notification.user
body = {
    "notification": {
        "uuid": hex_id(notification.uuid),
        "severity": notification.severity,
        "body": notification.body,
        "hyperlink": getattr(notification, "hyperlink", None),
        "hyperlink_label": getattr(notification, "hyperlink_label", None),
        "created": iso(notification.created),  # None: the notification is not saved before sending
        "user": {
            "pk": recipient.pk,
            "username": recipient.username,
            "email": recipient.email,
            "name": recipient.name,
        },
    },
}

event = notification.event
if event is not None:
    body["event"] = {
        "pk": hex_id(event.pk),
        "action": event.action,
        "app": event.app,
        "client_ip": event.client_ip,
        "created": iso(event.created),
        "expires": iso(getattr(event, "expires", None)),
        "user": person(event.user),
        "context": event.context,
        # Called "tenant" before 2024.2.
        "brand": getattr(event, "brand", None) or getattr(event, "tenant", None),
    }

return body
