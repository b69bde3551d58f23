using System.Text;

namespace Bridge.Storage;

/// <summary>
/// The SQLite outbox's leases, in memory: one process owns the file, so nobody else needs to see them, and a claim costs
/// no write. After a crash there are none; the messages they covered are simply pending again.
/// </summary>
internal sealed class SqliteLeases
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, (string Destination, long Fence)> _held = [];
    private long _lastFence;

    /// <summary>The ids leased for <paramref name="destination"/>, as a JSON array for <c>json_each</c>.</summary>
    public string HeldJson(string destination)
    {
        var json = new StringBuilder("[");
        lock (_gate)
        {
            foreach (var (id, lease) in _held)
            {
                if (lease.Destination != destination) continue;
                if (json.Length > 1) json.Append(',');
                json.Append(id);
            }
        }
        return json.Append(']').ToString();
    }

    public long Take(long id, string destination)
    {
        lock (_gate)
        {
            var fence = ++_lastFence;
            _held[id] = (destination, fence);
            return fence;
        }
    }

    public bool Holds(OutboxLease lease)
    {
        lock (_gate) return _held.TryGetValue(lease.Message.Id, out var held) && held.Fence == lease.Fence;
    }

    public void Release(OutboxLease lease)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(lease.Message.Id, out var held) && held.Fence == lease.Fence) _held.Remove(lease.Message.Id);
        }
    }
}
