using System.Net;
using Bridge.Events;

namespace Bridge.Rules;

/// <summary>An event plus what matchers need pre-parsed, built once per evaluation and shared by every rule.</summary>
internal readonly struct MatchInput
{
    private MatchInput(BridgeEvent e, IPAddress? clientIp)
    {
        Event = e;
        ClientIp = clientIp;
    }

    public BridgeEvent Event { get; }

    /// <summary>The event's client address, IPv4-mapped IPv6 unwrapped to IPv4; null when absent, unparsed or unparseable.</summary>
    public IPAddress? ClientIp { get; }

    /// <param name="parseClientIp">False when no rule looks at the address, which saves the parse and its allocation.</param>
    public static MatchInput From(BridgeEvent e, bool parseClientIp) =>
        new(e, parseClientIp ? ParseClientIp(e.ClientIp) : null);

    private static IPAddress? ParseClientIp(string? text)
    {
        if (text is null || !IPAddress.TryParse(text, out var address))
        {
            return null;
        }
        // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; rules are written in IPv4.
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
