using System.Net;

namespace Bridge.Rules;

/// <summary>Parses <c>client_ip</c> rule values: an address or a CIDR range, IPv4 or IPv6.</summary>
internal static class IpRange
{
    /// <summary>
    /// Parses with <see cref="IPNetwork"/> and <see cref="IPAddress"/>, but first insists that IPv4 is a dotted
    /// quad: both parsers accept legacy forms (<c>10</c> is 0.0.0.10, <c>1.2.3</c> is 1.2.0.3) that nobody means in a rule.
    /// IPv4-mapped IPv6 values become their IPv4 form, as event addresses do.
    /// </summary>
    public static bool TryParse(string text, out IPNetwork network)
    {
        network = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressPart = slash < 0 ? text.AsSpan() : text.AsSpan(0, slash);
        if (!addressPart.Contains(':') && !IsDottedQuad(addressPart))
        {
            return false;
        }

        if (slash < 0)
        {
            if (!IPAddress.TryParse(text, out var address))
            {
                return false;
            }
            address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }

        if (!IPNetwork.TryParse(text, out network))
        {
            return false;
        }
        if (network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96)
        {
            network = new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96);
        }
        return true;
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (part.Length is 0 or > 3 || part.IndexOfAnyExceptInRange('0', '9') >= 0)
            {
                return false;
            }
            parts++;
        }
        return parts == 4;
    }
}
