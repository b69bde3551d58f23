using System.Net;

namespace Bridge.Rules.KeyMatchers;

/// <summary>
/// <c>client_ip</c>: the event address lies in one of the ranges (a single address is a /32 or /128 range).
/// Ranges are parsed at compile time; an event without a usable address never matches.
/// </summary>
internal sealed class CidrMatcher(IReadOnlyList<string> values, IPNetwork[] networks) : KeyMatcher("client_ip", values)
{
    private readonly IReadOnlyList<string> written = values;

    public override bool Matches(in MatchInput input) => FindMatch(input) >= 0;

    public override string ExplainMismatch(in MatchInput input)
    {
        var text = input.Event.ClientIp;
        if (text is null)
        {
            return $"client_ip: the event has no client address, {Wanted}";
        }
        return input.ClientIp is null
            ? $"client_ip: event has \"{text}\", which is not an IP address, {Wanted}"
            : $"client_ip: event has {text}, {Wanted}";
    }

    public override string ExplainMatch(in MatchInput input) =>
        $"client_ip {input.Event.ClientIp} in {written[FindMatch(input)]}";

    private int FindMatch(in MatchInput input)
    {
        if (input.ClientIp is not { } address)
        {
            return -1;
        }
        for (var i = 0; i < networks.Length; i++)
        {
            if (networks[i].Contains(address))
            {
                return i;
            }
        }
        return -1;
    }
}
