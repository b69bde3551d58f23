namespace Bridge.Events;

/// <summary>Ids for events whose body carries none.</summary>
internal static class EventIds
{
    /// <summary>
    /// A version 7 GUID in Authentik's dashless form: time-ordered, so generated ids sort with arrival
    /// like Authentik's own, and the same 32-hex shape mappings already see for <c>event.pk</c>.
    /// </summary>
    public static string New(DateTimeOffset receivedAt) => Guid.CreateVersion7(receivedAt).ToString("N");
}
