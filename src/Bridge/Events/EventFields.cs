using System.Text.Json;

namespace Bridge.Events;

/// <summary>Field readings shared by the Authentik body readers.</summary>
internal static class EventFields
{
    /// <summary>Authentik writes this when it could not tell the client address.</summary>
    private const string UnknownIp = "255.255.255.255";

    /// <summary>The client address as given (IPv6 kept verbatim); null, empty and Authentik's unknown marker become null.</summary>
    public static string? ClientIp(string? value) =>
        string.IsNullOrWhiteSpace(value) || value == UnknownIp ? null : value;

    /// <summary><c>app_label.model_name</c> from <c>context.model</c>, as Authentik's own event matcher compares it.</summary>
    public static string? Model(JsonElement? context)
    {
        if (context is not { } c || JsonRead.Object(c, "model") is not { } model)
        {
            return null;
        }
        var app = JsonRead.NonEmptyString(model, "app");
        var name = JsonRead.NonEmptyString(model, "model_name");
        return app is null || name is null ? null : $"{app}.{name}";
    }

    /// <summary>
    /// A user object (<c>{pk, username, email, groups}</c>). Null when it is not an object or names nobody:
    /// Authentik sends <c>{}</c> for system events.
    /// </summary>
    public static EventUser? User(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.Object } user)
        {
            return null;
        }
        var pk = JsonRead.Id(user, "pk");
        var username = JsonRead.NonEmptyString(user, "username");
        var email = JsonRead.NonEmptyString(user, "email");
        if (pk is null && username is null && email is null)
        {
            return null;
        }
        var groups = JsonRead.Property(user, "groups");
        return new EventUser(pk, username, email, Groups(groups)) { HasGroups = groups.ValueKind is JsonValueKind.Array or JsonValueKind.String };
    }

    /// <summary>A user from the default body's flat <c>*_username</c>/<c>*_email</c> keys; null when both are absent.</summary>
    public static EventUser? FlatUser(JsonElement body, string usernameKey, string emailKey)
    {
        var username = JsonRead.NonEmptyString(body, usernameKey);
        var email = JsonRead.NonEmptyString(body, emailKey);
        return username is null && email is null ? null : new EventUser(null, username, email, []);
    }

    /// <summary>
    /// Group names. Strings are names; objects contribute their <c>name</c>, because a mapping that returns
    /// group models gets them collapsed by Authentik's sanitizer to <c>{app, model_name, pk, name}</c>.
    /// A lone string is read as one group; anything else is ignored.
    /// </summary>
    private static List<string> Groups(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() is { Length: > 0 } single ? [single] : [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var names = new List<string>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            var name = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.Object => JsonRead.NonEmptyString(item, "name"),
                _ => null,
            };
            if (!string.IsNullOrEmpty(name))
            {
                names.Add(name);
            }
        }
        return names;
    }
}
