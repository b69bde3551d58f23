namespace Bridge.Tests.EndToEnd;

/// <summary>Configs the end-to-end tests run on, small enough to read at a glance.</summary>
internal static class EndToEndConfigs
{
    /// <summary>The mapping timeout of <see cref="AdminLogin"/>: no test times a good mapping, and a cold process on a
    /// loaded machine may need far more than the default 1 s for its first runs (a timed-out run makes no message).</summary>
    public const string RoomyMappingLimits = "mapping_limits: { timeout: 30s }";

    /// <summary>
    /// Admin logins to gauth via the shipped admin-login.js; failed logins via the built-in default mapping. Unpaced
    /// (<c>rate: none</c>): the fake ntfy limits nothing unless a test turns its limits on, and tests send hundreds.
    /// </summary>
    public const string AdminLogin = $$"""
        {{RoomyMappingLimits}}
        destinations:
          ntfy:
            url: ${NTFY_URL:-}
            token: ${NTFY_TOKEN:-}
            timeout: 2s
            rate: none
            retry: { schedule: [0s, 10ms, 50ms, 50ms] }
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: admin-login
            source: authentik
            match: { action: login, group: authentik Admins }
            mapping: admin-login.js
            topic: gauth
          - name: failed-login
            match: { action: login_failed }
            topic: failures
        """;

    /// <summary>
    /// One Authentik source taking the test token, one rule for every event, a dry-run destination: for tests about the
    /// edge, where what is sent does not matter. <paramref name="server"/> is one line under <c>server:</c>.
    /// </summary>
    public static string DryRun(string server = "limits: {}") => $$"""
        server:
          {{server}}
        destinations:
          ntfy: {}
        sources:
          authentik:
            format: authentik
            token: ${HOOK_TOKEN}
        rules:
          - name: all
            topic: all
        """;
}
