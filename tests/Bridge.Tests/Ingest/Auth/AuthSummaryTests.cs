using Bridge.Ingest.Auth;
using static Bridge.Tests.Ingest.Auth.AuthTestKit;

namespace Bridge.Tests.Ingest.Auth;

public sealed class AuthSummaryTests
{
    [Fact]
    public void TheStartUpLineCountsSecretsAndNeverShowsThem()
    {
        var source = Source($"token: [tok-a-0001, tok-b-0001]\nallow_from: 10.0.0.0/8\nauth:\n  github: {{ secret: \"{GitHubSecret}\" }}\n  hmac: {{ header: X-Sig, secret: [hmac-a-00000001, hmac-b-00000001] }}");

        var line = AuthSummary.Describe(source);

        Assert.Equal("2 tokens, 1 GitHub secret, 2 HMAC (X-Sig) secrets, from 10.0.0.0/8 only", line);
    }

    [Fact]
    public void AuthNoneSaysSo() => Assert.Equal("no authentication", AuthSummary.Describe(Source("auth: none")));
}
