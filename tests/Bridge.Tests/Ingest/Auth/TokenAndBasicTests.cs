using System.Text;
using Bridge.Ingest.Auth;
using static Bridge.Tests.Ingest.Auth.AuthTestKit;

namespace Bridge.Tests.Ingest.Auth;

/// <summary>Bearer and query tokens, HTTP Basic, and sources that take several methods.</summary>
public sealed class TokenAndBasicTests
{
    private const string Token = "tok-3b9d2f7a1c";

    [Fact]
    public void ATokenSourceTakesTheHeaderOrTheQuery()
    {
        var source = Source($"token: {Token}");

        Assert.Equal(AuthOutcome.Passed, Authenticator().BeforeBody(source, Request(("Authorization", "Bearer " + Token))).Outcome);
        Assert.Equal(AuthOutcome.Passed, Authenticator().BeforeBody(source, Request("?token=" + Token)).Outcome);
    }

    [Fact]
    public void BearerOnlyRefusesTheQueryToken()
    {
        var source = Source($"auth:\n  bearer: {Token}");

        var decision = Authenticator().BeforeBody(source, Request("?token=" + Token));

        Assert.Equal(AuthOutcome.Refused, decision.Outcome);
        Assert.Equal("missing token: send 'Authorization: Bearer <token>'", decision.Failure!.Detail);
        Assert.Equal("Bearer realm=\"bridge\"", decision.Challenge);
    }

    [Fact]
    public void QueryOnlyRefusesTheHeader()
    {
        var source = Source($"auth:\n  query: {Token}");

        var decision = Authenticator().BeforeBody(source, Request(("Authorization", "Bearer " + Token)));

        Assert.Contains("unsupported Authorization scheme 'Bearer': this source takes ?token=<token> in the URL", decision.Failure!.Detail, StringComparison.Ordinal);
        Assert.Null(decision.Challenge);
    }

    [Fact]
    public void TokensRotate()
    {
        var source = Source($"auth:\n  bearer: [{Token}, tok-previous-11aa]");

        Assert.Equal(AuthOutcome.Passed, Authenticator().BeforeBody(source, Request(("Authorization", "Bearer tok-previous-11aa"))).Outcome);
        Assert.Contains("wrong token", Authenticator().BeforeBody(source, Request(("Authorization", "Bearer tok-other"))).Failure!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void BasicAcceptsTheConfiguredPairAndNothingElse()
    {
        var source = Source("auth:\n  basic: { user: authentik, password: pw-8c1f55e2 }");

        Assert.Equal(AuthOutcome.Passed, Authenticator().BeforeBody(source, Basic("authentik", "pw-8c1f55e2")).Outcome);
        var wrongPassword = Authenticator().BeforeBody(source, Basic("authentik", "pw-nope"));
        var wrongUser = Authenticator().BeforeBody(source, Basic("admin", "pw-8c1f55e2"));
        Assert.Equal("wrong user or password for source 'hook'", wrongPassword.Failure!.Detail);
        Assert.Equal(wrongPassword.Failure, wrongUser.Failure);
        Assert.Equal("Basic realm=\"bridge\", charset=\"UTF-8\"", wrongUser.Challenge);
    }

    [Fact]
    public void BasicPairsRotate()
    {
        var source = Source("auth:\n  basic:\n    - { user: authentik, password: pw-new-8c1f55e2 }\n    - { user: authentik, password: pw-old-8c1f55e2 }");

        Assert.Equal(AuthOutcome.Passed, Authenticator().BeforeBody(source, Basic("authentik", "pw-old-8c1f55e2")).Outcome);
        Assert.Equal(AuthOutcome.Passed, Authenticator().BeforeBody(source, Basic("authentik", "pw-new-8c1f55e2")).Outcome);
    }

    [Theory]
    [InlineData("Basic !!!")]
    [InlineData("Basic bm8tY29sb24=")]
    public void MalformedBasicIsNamed(string header)
    {
        var source = Source("auth:\n  basic: { user: authentik, password: pw-8c1f55e2 }");

        var decision = Authenticator().BeforeBody(source, Request(("Authorization", header)));

        Assert.Contains("malformed Authorization: Basic header", decision.Failure!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyMethodOfSeveralLetsARequestIn()
    {
        var source = Source($"token: {Token}\nauth:\n  github:\n    secret: \"{GitHubSecret}\"");
        var authenticator = Authenticator();

        Assert.Equal(AuthOutcome.Passed, authenticator.BeforeBody(source, Request(("Authorization", "Bearer " + Token))).Outcome);
        Assert.Equal(AuthOutcome.Passed, authenticator.Check(source, Request(("X-Hub-Signature-256", GitHubSignature)), GitHubBody).Outcome);
    }

    [Fact]
    public void WithSeveralMethodsTheMissingCredentialAnswerListsEach()
    {
        var source = Source($"token: {Token}\nauth:\n  github:\n    secret: \"{GitHubSecret}\"");

        var decision = Authenticator().BeforeBody(source, Request());

        Assert.Equal(
            "missing credentials: send 'Authorization: Bearer <token>' or ?token=<token> in the URL or 'X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>'",
            decision.Failure!.Detail);
    }

    [Fact]
    public void EveryFailedMethodIsReported()
    {
        var source = Source($"token: {Token}\nauth:\n  github:\n    secret: \"{GitHubSecret}\"");

        var decision = Authenticator().Check(source, Request(("Authorization", "Bearer wrong"), ("X-Hub-Signature-256", GitHubSignature)), "tampered");

        Assert.Contains("wrong token for source 'hook'", decision.Failure!.Detail, StringComparison.Ordinal);
        Assert.Contains("X-Hub-Signature-256 does not match", decision.Failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthNoneLetsEveryoneIn() =>
        Assert.Equal(AuthOutcome.Passed, Authenticator().BeforeBody(Source("auth: none"), Request()).Outcome);

    private static Microsoft.AspNetCore.Http.HttpRequest Basic(string user, string password) =>
        Request(("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password))));
}
