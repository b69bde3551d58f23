using Bridge.Ingest.Auth;
using static Bridge.Tests.Ingest.Auth.AuthTestKit;

namespace Bridge.Tests.Ingest.Auth;

/// <summary>Standard Webhooks: the specification's test vector, rotation, clock tolerance and replays.</summary>
public sealed class StandardWebhooksTests
{
    private static readonly Bridge.Configuration.SourceConfig Hook = Source($"auth:\n  standard_webhooks:\n    secret: {StandardSecret}");

    [Fact]
    public void TheSpecificationsTestVectorIsAccepted()
    {
        var decision = Authenticator().Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody);

        Assert.Equal(AuthOutcome.Passed, decision.Outcome);
        Assert.NotNull(decision.Claim);
    }

    [Fact]
    public void TheKitSignsLikeTheSpecification() =>
        Assert.Equal(StandardSignature, StandardSign(StandardSecret, StandardId, StandardTimestamp, StandardBody));

    [Fact]
    public void SignedRequestsWaitForTheBodyBeforeBeingDecided()
    {
        var decision = Authenticator().BeforeBody(Hook, Request(StandardHeaders(StandardSignature)));

        Assert.Equal(AuthOutcome.NeedsBody, decision.Outcome);
    }

    [Theory]
    [InlineData("{\"test\": 2432232315}")]
    [InlineData("{\"test\":2432232314}")]
    [InlineData("{\"test\": 2432232314}\n")]
    public void AnyChangeToTheBodyBreaksTheSignature(string body)
    {
        var decision = Authenticator().Check(Hook, Request(StandardHeaders(StandardSignature)), body);

        Assert.Equal(AuthOutcome.Refused, decision.Outcome);
        Assert.Contains("webhook-signature does not match", decision.Failure!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongSecretIsRefusedWithoutEchoingAnySignatureOrSecret()
    {
        var source = Source("auth:\n  standard_webhooks:\n    secret: whsec_" + Convert.ToBase64String(new byte[24]));

        var decision = Authenticator().Check(source, Request(StandardHeaders(StandardSignature)), StandardBody);

        Assert.Equal(401, decision.Failure!.Status);
        Assert.DoesNotContain("g0hM9SsE", decision.Failure.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("MfKQ9r8G", decision.Failure.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("whsec_", decision.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DuringRotationEitherSecretIsAccepted()
    {
        var newSecret = "whsec_" + Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        var source = Source($"auth:\n  standard_webhooks:\n    secret: [{newSecret}, {StandardSecret}]");
        var authenticator = Authenticator();

        var old = authenticator.Check(source, Request(StandardHeaders(StandardSignature)), StandardBody);
        var renewed = authenticator.Check(source, Request(StandardHeaders(StandardSign(newSecret, "msg_2", StandardTimestamp, StandardBody), "msg_2")), StandardBody);

        Assert.Equal(AuthOutcome.Passed, old.Outcome);
        Assert.Equal(AuthOutcome.Passed, renewed.Outcome);
    }

    [Fact]
    public void ASignatureListPassesWhenAnyV1EntryMatches()
    {
        var header = "v1a,c29tZXRoaW5nIGVsc2U= v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= " + StandardSignature;

        var decision = Authenticator().Check(Hook, Request(StandardHeaders(header)), StandardBody);

        Assert.Equal(AuthOutcome.Passed, decision.Outcome);
    }

    [Fact]
    public void ASecondRequestWithTheSameIdIsAReplay()
    {
        var authenticator = Authenticator();
        Assert.Equal(AuthOutcome.Passed, authenticator.Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody).Outcome);

        var replay = authenticator.Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody);

        Assert.Equal(409, replay.Failure!.Status);
        Assert.Contains("already received", replay.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AReleasedIdCanBeSentAgain()
    {
        var authenticator = Authenticator();
        authenticator.Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody).Claim!.Release();

        var retry = authenticator.Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody);

        Assert.Equal(AuthOutcome.Passed, retry.Outcome);
    }

    [Fact]
    public void AnIdIsForgottenOnlyOnceItsTimestampCanNoLongerPass()
    {
        var clock = ClockAt(StandardTimestamp);
        var authenticator = Authenticator(clock);
        authenticator.Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody);

        clock.Advance(TimeSpan.FromMinutes(5));
        var withinWindow = authenticator.Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody);
        clock.Advance(TimeSpan.FromSeconds(1));
        var afterWindow = authenticator.Check(Hook, Request(StandardHeaders(StandardSignature)), StandardBody);

        Assert.Equal(409, withinWindow.Failure!.Status);
        Assert.Equal(401, afterWindow.Failure!.Status);
        Assert.Contains("webhook-timestamp is 301 s in the past", afterWindow.Failure.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-301, "301 s in the past")]
    [InlineData(301, "301 s in the future")]
    [InlineData(-3600, "3600 s in the past")]
    public void TimestampsOutsideTheToleranceAreRefused(int offsetSeconds, string expected)
    {
        var timestamp = StandardTimestamp + offsetSeconds;
        var signature = StandardSign(StandardSecret, StandardId, timestamp, StandardBody);

        var decision = Authenticator().Check(Hook, Request(StandardHeaders(signature, timestamp: timestamp)), StandardBody);

        Assert.Equal(401, decision.Failure!.Status);
        Assert.Contains(expected, decision.Failure.Detail, StringComparison.Ordinal);
        Assert.Contains("outside the 300 s tolerance", decision.Failure.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-299)]
    [InlineData(299)]
    public void TimestampsWithinTheToleranceAreAccepted(int offsetSeconds)
    {
        var timestamp = StandardTimestamp + offsetSeconds;
        var signature = StandardSign(StandardSecret, StandardId, timestamp, StandardBody);

        var decision = Authenticator().Check(Hook, Request(StandardHeaders(signature, timestamp: timestamp)), StandardBody);

        Assert.Equal(AuthOutcome.Passed, decision.Outcome);
    }

    [Fact]
    public void AConfiguredToleranceIsUsed()
    {
        var source = Source($"auth:\n  standard_webhooks:\n    secret: {StandardSecret}\n    tolerance: 30s");
        var signature = StandardSign(StandardSecret, StandardId, StandardTimestamp - 31, StandardBody);

        var decision = Authenticator().Check(source, Request(StandardHeaders(signature, timestamp: StandardTimestamp - 31)), StandardBody);

        Assert.Contains("outside the 30 s tolerance", decision.Failure!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("webhook-id", "missing header webhook-id")]
    [InlineData("webhook-timestamp", "missing header webhook-timestamp")]
    [InlineData("webhook-signature", "missing header webhook-signature")]
    public void EachMissingHeaderIsNamed(string left, string expected)
    {
        var headers = StandardHeaders(StandardSignature).Where(h => h.Item1 != left).ToArray();

        var decision = Authenticator().Check(Hook, Request(headers), StandardBody);

        Assert.Contains(expected, decision.Failure!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("webhook-timestamp", "soon", "malformed webhook-timestamp")]
    [InlineData("webhook-timestamp", "1614265330.5", "malformed webhook-timestamp")]
    [InlineData("webhook-timestamp", "-5", "malformed webhook-timestamp")]
    [InlineData("webhook-timestamp", "99999999999999999999", "malformed webhook-timestamp")]
    [InlineData("webhook-signature", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "malformed webhook-signature")]
    [InlineData("webhook-signature", "v1,not base64!", "malformed webhook-signature")]
    [InlineData("webhook-signature", "v1,AAAA", "malformed webhook-signature")]
    public void MalformedHeadersAreNamed(string header, string value, string expected)
    {
        var headers = StandardHeaders(StandardSignature).Select(h => h.Item1 == header ? (header, value) : h).ToArray();

        var decision = Authenticator().Check(Hook, Request(headers), StandardBody);

        Assert.Equal(401, decision.Failure!.Status);
        Assert.Contains(expected, decision.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOverlongIdIsRefused()
    {
        var id = new string('x', 300);
        var signature = StandardSign(StandardSecret, id, StandardTimestamp, StandardBody);

        var decision = Authenticator().Check(Hook, Request(StandardHeaders(signature, id)), StandardBody);

        Assert.Contains("longer than 256", decision.Failure!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AFullReplayMemoryRefusesRatherThanForgets()
    {
        var clock = ClockAt(StandardTimestamp);
        var authenticator = new SourceAuthenticator(clock, new ReplayCache(clock, capacity: 2));
        for (var i = 0; i < 2; i++)
        {
            var id = "msg_" + i;
            Assert.Equal(AuthOutcome.Passed, authenticator.Check(Hook, Request(StandardHeaders(StandardSign(StandardSecret, id, StandardTimestamp, StandardBody), id)), StandardBody).Outcome);
        }

        var third = authenticator.Check(Hook, Request(StandardHeaders(StandardSign(StandardSecret, "msg_2", StandardTimestamp, StandardBody), "msg_2")), StandardBody);
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var later = StandardTimestamp + 301;
        var afterExpiry = authenticator.Check(Hook, Request(StandardHeaders(StandardSign(StandardSecret, "msg_3", later, StandardBody), "msg_3", later)), StandardBody);

        Assert.Equal(503, third.Failure!.Status);
        Assert.Equal(AuthOutcome.Passed, afterExpiry.Outcome);
    }

    [Fact]
    public void AnUnsignedRequestToASignedSourceSaysWhatToSend()
    {
        var decision = Authenticator().BeforeBody(Hook, Request());

        Assert.Equal(AuthOutcome.Refused, decision.Outcome);
        Assert.Contains("missing credentials", decision.Failure!.Detail, StringComparison.Ordinal);
        Assert.Contains("webhook-signature", decision.Failure.Detail, StringComparison.Ordinal);
        Assert.Null(decision.Challenge);
    }
}
