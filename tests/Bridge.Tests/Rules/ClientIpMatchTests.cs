using Bridge.Configuration;
using static Bridge.Tests.Rules.TestRules;

namespace Bridge.Tests.Rules;

public sealed class ClientIpMatchTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.15", true)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.0.2.44", "192.0.2.44", true)]
    [InlineData("192.0.2.44", "192.0.2.45", false)]
    [InlineData("192.0.2.0/24", "::ffff:192.0.2.9", true)]
    [InlineData("::ffff:192.0.2.9", "192.0.2.9", true)]
    [InlineData("::ffff:10.0.0.0/104", "10.1.2.3", true)]
    [InlineData("2001:db8::/32", "2001:db8:85a3::8a2e:370:7334", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::1", "2001:0db8:0000::0001", true)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    [InlineData("0.0.0.0/0", "203.0.113.7", true)]
    [InlineData("10.0.0.0/8,2001:db8::/32", "2001:db8::5", true)]
    [InlineData("10.0.0.0/8,172.16.0.0/12", "172.20.1.1", true)]
    [InlineData("10.0.0.0/8,172.16.0.0/12", "192.168.0.1", false)]
    public void ClientIpMatchesAddressesAndRanges(string values, string clientIp, bool matches)
    {
        var verdict = Verdict(new MatchSpec(ClientIp: List(values)), Event(clientIp: clientIp));

        Assert.Equal(matches, verdict.Matched);
    }

    [Fact]
    public void OutsideRangeReasonNamesAddressAndRanges()
    {
        var verdict = Verdict(new MatchSpec(ClientIp: ["10.0.0.0/8", "2001:db8::/32"]), Event(clientIp: "192.168.1.20"));

        Assert.Equal("client_ip: event has 192.168.1.20, rule wants one of [10.0.0.0/8, 2001:db8::/32]", verdict.Reason);
    }

    [Fact]
    public void EventWithoutAddressNeverMatches()
    {
        var verdict = Verdict(new MatchSpec(ClientIp: ["0.0.0.0/0"]), Event(clientIp: null));

        Assert.False(verdict.Matched);
        Assert.Equal("client_ip: the event has no client address, rule wants one of [0.0.0.0/0]", verdict.Reason);
    }

    [Fact]
    public void UnparseableEventAddressIsReportedAsSuch()
    {
        var verdict = Verdict(new MatchSpec(ClientIp: ["0.0.0.0/0"]), Event(clientIp: "proxy"));

        Assert.Equal("client_ip: event has \"proxy\", which is not an IP address, rule wants one of [0.0.0.0/0]", verdict.Reason);
    }
}
