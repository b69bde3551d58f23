using Bridge.Configuration;

namespace Bridge.Authentik;

/// <summary>What is known of an event user's groups before its rules are judged.</summary>
public abstract record GroupLookup
{
    private GroupLookup()
    {
    }

    /// <summary>The event needs no look-up: its source has no <c>authentik_api</c>, it has no user, or its body carried the groups.</summary>
    public sealed record NotNeeded : GroupLookup
    {
        public static readonly NotNeeded Instance = new();
    }

    /// <summary>Authentik's API named the user's groups (none is an answer too: a user in no group, or a user it does not know).</summary>
    public sealed record Known(IReadOnlyList<string> Groups) : GroupLookup
    {
        public IReadOnlyList<string> Groups { get; init => field = ValueList.Of(value); } = ValueList.Of(Groups);
    }

    /// <summary>Not known yet: not asked (no answer cached), or the API could not answer; the event waits and is tried again.</summary>
    public sealed record Waiting(string Reason) : GroupLookup;

    /// <summary>The API refused the token (401/403): retrying will not help until the token or its permissions are fixed.</summary>
    public sealed record Refused(string Reason) : GroupLookup;
}
