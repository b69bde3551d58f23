using System.Text.Json;

namespace Bridge.Authentik;

/// <summary>
/// Reads a user's group names from Authentik's user API (<c>/api/v3/core/users/</c>), in every shape it has had.
/// </summary>
/// <remarks>
/// Checked against Authentik's schema and source (goauthentik/authentik <c>authentik/core/api/users.py</c>, and the
/// generated clients of the 2024.12 and 2026.2 schemas): a user carries <c>groups</c> (group pks, UUIDs, never names)
/// and <c>groups_obj</c> (objects with <c>name</c>). Up to 2025.x those objects are <c>UserGroupSerializer</c>
/// (<c>pk, num_pk, name, is_superuser, parent, parent_name, attributes</c>); from 2026.2 they are <c>PartialGroup</c>
/// (<c>pk, num_pk, name, is_superuser, attributes</c>: groups have several parents now), the user also carries
/// <c>roles</c>/<c>roles_obj</c> (roles are not groups and are ignored), and the Python attribute <c>User.ak_groups</c>
/// became <c>User.groups</c>. <c>groups_obj</c> is null when the request said <c>include_groups=false</c>, so the
/// bridge always asks with <c>include_groups=true</c>, and an answer without names is not taken for "no groups".
/// </remarks>
internal static class UserGroupsJson
{
    /// <summary>The groups of one user object (<c>GET /api/v3/core/users/{pk}/</c>).</summary>
    public static GroupLookup FromUser(JsonElement user)
    {
        if (user.ValueKind != JsonValueKind.Object) return new GroupLookup.Waiting("Authentik's answer is not a user object");
        if (user.TryGetProperty("groups_obj", out var objects) && objects.ValueKind == JsonValueKind.Array)
        {
            var names = new List<string>(objects.GetArrayLength());
            foreach (var group in objects.EnumerateArray())
            {
                if (group.ValueKind == JsonValueKind.Object && group.TryGetProperty("name", out var name) && name.GetString() is { Length: > 0 } text) names.Add(text);
            }
            return new GroupLookup.Known(names);
        }
        // No names, but also no group at all: that much is certain.
        if (user.TryGetProperty("groups", out var pks) && pks.ValueKind == JsonValueKind.Array && pks.GetArrayLength() == 0) return new GroupLookup.Known([]);
        return new GroupLookup.Waiting("Authentik's answer names no groups (no groups_obj): is the url an Authentik that knows include_groups (2024.8 or later)?");
    }

    /// <summary>
    /// The groups of the user named <paramref name="username"/> in a page of <c>GET /api/v3/core/users/?username=</c>
    /// (<c>{pagination, results: [...]}</c>); a user it does not list is unknown to Authentik, so in no group.
    /// </summary>
    public static GroupLookup FromList(JsonElement page, string username)
    {
        if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
            return new GroupLookup.Waiting("Authentik's answer is not a page of users (no results list): is the url Authentik's root?");
        foreach (var user in results.EnumerateArray())
        {
            // The filter is exact, but checked again: a proxy or an older version could answer a search instead.
            if (user.ValueKind == JsonValueKind.Object && user.TryGetProperty("username", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() == username)
                return FromUser(user);
        }
        return new GroupLookup.Known([]);
    }
}
