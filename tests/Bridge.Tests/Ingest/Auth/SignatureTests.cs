using System.Security.Cryptography;
using System.Text;
using Bridge.Ingest.Auth;
using static Bridge.Tests.Ingest.Auth.AuthTestKit;

namespace Bridge.Tests.Ingest.Auth;

/// <summary>GitHub's X-Hub-Signature-256 and the generic HMAC header: vectors, rotation, wrong secrets, bad formats.</summary>
public sealed class SignatureTests
{
    private static readonly Bridge.Configuration.SourceConfig GitHub = Source($"auth:\n  github:\n    secret: \"{GitHubSecret}\"");

    [Fact]
    public void GitHubsDocumentedVectorIsAccepted()
    {
        var decision = Authenticator().Check(GitHub, Request(("X-Hub-Signature-256", GitHubSignature)), GitHubBody);

        Assert.Equal(AuthOutcome.Passed, decision.Outcome);
    }

    [Fact]
    public void TheKitSignsLikeGitHub() => Assert.Equal(GitHubSignature, GitHubSign(GitHubSecret, GitHubBody));

    [Fact]
    public void UpperCaseHexIsTheSameSignature()
    {
        var upper = "sha256=" + GitHubSignature["sha256=".Length..].ToUpperInvariant();

        var decision = Authenticator().Check(GitHub, Request(("X-Hub-Signature-256", upper)), GitHubBody);

        Assert.Equal(AuthOutcome.Passed, decision.Outcome);
    }

    [Fact]
    public void ATamperedBodyIsRefused()
    {
        var decision = Authenticator().Check(GitHub, Request(("X-Hub-Signature-256", GitHubSignature)), "Hello, World?");

        Assert.Equal(401, decision.Failure!.Status);
        Assert.Contains("X-Hub-Signature-256 does not match", decision.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongSecretIsRefusedWithoutEchoingTheExpectedSignature()
    {
        var source = Source("auth:\n  github:\n    secret: not-the-secret-at-all");
        var expected = GitHubSign("not-the-secret-at-all", GitHubBody);

        var decision = Authenticator().Check(source, Request(("X-Hub-Signature-256", GitHubSignature)), GitHubBody);

        Assert.Equal(401, decision.Failure!.Status);
        Assert.DoesNotContain(expected[7..], decision.Failure.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(GitHubSignature[7..], decision.Failure.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("not-the-secret", decision.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DuringRotationBothSecretsAreAccepted()
    {
        var source = Source($"auth:\n  github:\n    secret: [\"new-secret-0123456789\", \"{GitHubSecret}\"]");
        var authenticator = Authenticator();

        Assert.Equal(AuthOutcome.Passed, authenticator.Check(source, Request(("X-Hub-Signature-256", GitHubSignature)), GitHubBody).Outcome);
        Assert.Equal(AuthOutcome.Passed, authenticator.Check(source, Request(("X-Hub-Signature-256", GitHubSign("new-secret-0123456789", "{}"))), "{}").Outcome);
    }

    [Theory]
    [InlineData("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1")]
    [InlineData("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=")]
    public void MalformedSignaturesSayWhatIsExpected(string header)
    {
        var decision = Authenticator().Check(GitHub, Request(("X-Hub-Signature-256", header)), GitHubBody);

        Assert.Equal(401, decision.Failure!.Status);
        Assert.Contains("malformed X-Hub-Signature-256: expected sha256=<hex HMAC-SHA256 of the body>, 32 bytes", decision.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ASignatureHeaderSentTwiceIsRefused()
    {
        var decision = Authenticator().Check(GitHub, Request(("X-Hub-Signature-256", GitHubSignature), ("X-Hub-Signature-256", GitHubSignature)), GitHubBody);

        Assert.Contains("must be sent once", decision.Failure!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sha1", "hex", "", "X-Signature")]
    [InlineData("sha256", "base64", "", "X-Signature")]
    [InlineData("sha512", "hex", "sha512=", "X-Gitea-Signature")]
    [InlineData("sha256", "base64", "v0=", "X-Signature")]
    public void GenericHmacAcceptsItsConfiguredFormat(string algorithm, string encoding, string prefix, string header)
    {
        const string secret = "generic-secret-5d1c0e";
        const string body = "{\"event\":\"push\"}";
        var source = Source($"auth:\n  hmac:\n    header: {header}\n    algorithm: {algorithm}\n    encoding: {encoding}\n    prefix: \"{prefix}\"\n    secret: {secret}");
        var mac = Hmac(algorithm, secret, body);
        var value = prefix + (encoding == "hex" ? Convert.ToHexStringLower(mac) : Convert.ToBase64String(mac));

        var passed = Authenticator().Check(source, Request((header, value)), body);
        var wrong = Authenticator().Check(source, Request((header, value)), body + " ");

        Assert.Equal(AuthOutcome.Passed, passed.Outcome);
        Assert.Contains($"{header} does not match", wrong.Failure!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void GenericHmacOfTheWrongLengthIsMalformed()
    {
        var source = Source("auth:\n  hmac:\n    header: X-Signature\n    algorithm: sha512\n    secret: generic-secret-5d1c0e");
        var sha256 = Convert.ToHexStringLower(HMACSHA256.HashData("generic-secret-5d1c0e"u8, "{}"u8));

        var decision = Authenticator().Check(source, Request(("X-Signature", sha256)), "{}");

        Assert.Contains("malformed X-Signature: expected <hex HMAC-SHA512 of the body>, 64 bytes", decision.Failure!.Detail, StringComparison.Ordinal);
    }

    private static byte[] Hmac(string algorithm, string secret, string body)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.UTF8.GetBytes(body);
#pragma warning disable CA5350 // The test signs as a SHA-1 sender would.
        return algorithm switch { "sha1" => HMACSHA1.HashData(key, data), "sha512" => HMACSHA512.HashData(key, data), _ => HMACSHA256.HashData(key, data) };
#pragma warning restore CA5350
    }
}
