namespace Bridge.Storage;

/// <summary>Incident cards on SQLite: their messages are rows of <c>messages</c> under the incident's latest event.</summary>
internal sealed class SqliteIncidents(SqliteStore store) : IIncidents
{
    public Task CommitCardAsync(IncidentCard card, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (card.Messages.Count == 0) return Task.CompletedTask;
        return store.WriteAsync((c, tx) =>
        {
            var insert = new SqliteEventLog.MessageInsert(c, tx, card.At.ToUnixTimeMilliseconds());
            foreach (var m in card.Messages) insert.Run(card.EventSeq, m);
            return true;
        });
    }
}
