using System.Net;
using Bridge.Configuration;

namespace Bridge.Ingest.Limits;

/// <summary>
/// The places for hook requests being handled, in two budgets that never share: <c>max_in_flight</c> for senders
/// already authenticated (a token, a password, <c>auth: none</c>), and <c>max_unverified</c> for bodies read before
/// their signature can be checked. Unverified bodies are also limited per source and per client address, so neither one
/// source under attack nor one address can take every unverified place. A refusal is answered at once (429), never queued.
/// </summary>
public sealed class HookSlots
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _unverifiedBySource = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, int> _unverifiedByClient = [];
    private int _authenticated;
    private int _unverified;

    /// <returns>The place, given back when disposed; null when <c>max_in_flight</c> are already handled.</returns>
    public IDisposable? TryEnterAuthenticated(IngestLimitsConfig limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        lock (_gate)
        {
            if (_authenticated >= limits.MaxInFlight) return null;
            _authenticated++;
        }
        return new Slot(this, null, null);
    }

    /// <returns>The place, or the refusal's reason naming the limit that was hit.</returns>
    public (IDisposable? Slot, string? Refusal) TryEnterUnverified(IngestLimitsConfig limits, string source, IPAddress? client)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var address = client is null ? IPAddress.None : client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        lock (_gate)
        {
            var bySource = _unverifiedBySource.GetValueOrDefault(source);
            var byClient = _unverifiedByClient.GetValueOrDefault(address);
            if (byClient >= limits.MaxUnverifiedPerClient)
                return (null, $"too many unverified bodies from {address} at once (at most {limits.MaxUnverifiedPerClient}, server.limits.max_unverified_per_client); retry shortly");
            if (bySource >= limits.MaxUnverifiedPerSource)
                return (null, $"too many unverified bodies for source '{source}' at once (at most {limits.MaxUnverifiedPerSource}, server.limits.max_unverified_per_source); retry shortly");
            if (_unverified >= limits.MaxUnverified)
                return (null, $"too many unverified bodies at once (at most {limits.MaxUnverified}, server.limits.max_unverified); retry shortly");
            _unverifiedBySource[source] = bySource + 1;
            _unverifiedByClient[address] = byClient + 1;
            _unverified++;
        }
        return (new Slot(this, source, address), null);
    }

    private void Leave(string? source, IPAddress? client)
    {
        lock (_gate)
        {
            if (source is null)
            {
                _authenticated--;
                return;
            }
            _unverified--;
            // Removed at zero, so the tables hold only sources and addresses with bodies being read.
            if (--_unverifiedBySource[source] == 0) _unverifiedBySource.Remove(source);
            if (--_unverifiedByClient[client!] == 0) _unverifiedByClient.Remove(client!);
        }
    }

    /// <summary>One place; null source means the authenticated budget. Giving it back twice is harmless.</summary>
    private sealed class Slot(HookSlots owner, string? source, IPAddress? client) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) owner.Leave(source, client);
        }
    }
}
