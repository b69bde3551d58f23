using System.Net;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Delivery;

/// <summary>HTTPS to a self-hosted ntfy with a private CA on 127.0.0.1: trusted with ca_file, refused without it.</summary>
public sealed class DestinationTlsTests
{
    [Fact]
    public async Task WithTheCaFileTheMessageIsDeliveredOverHttps()
    {
        using var directory = new TempDirectory();
        using var ca = TestCertificates.CreateCa("Bridge Test CA");
        await using var ntfy = await FakeNtfy.StartAsync(certificate: TestCertificates.IssueServer(ca, IPAddress.Loopback));
        await using var bridge = await BridgeTestHost.StartAsync(WithCaFile(directory.Write("ca.pem", ca.ExportCertificatePem())), ntfy);

        using var response = await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("https", ntfy.Url.Scheme);
        var message = Assert.Single(await ntfy.WaitForMessagesAsync(1));
        Assert.Equal("Bearer " + ntfy.Token, message.Authorization);
    }

    [Fact]
    public async Task WithoutTheCaFileThePrivateCaIsNotTrusted()
    {
        using var ca = TestCertificates.CreateCa("Bridge Test CA");
        await using var ntfy = await FakeNtfy.StartAsync(certificate: TestCertificates.IssueServer(ca, IPAddress.Loopback));
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.AdminLogin, ntfy);

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        await TlsFailureAsync(bridge);
        Assert.Equal(0, ntfy.Requests);
    }

    [Fact]
    public async Task AnotherCaInTheCaFileIsNotEnough()
    {
        using var directory = new TempDirectory();
        using var ca = TestCertificates.CreateCa("Bridge Test CA");
        using var other = TestCertificates.CreateCa("Some Other CA");
        await using var ntfy = await FakeNtfy.StartAsync(certificate: TestCertificates.IssueServer(ca, IPAddress.Loopback));
        await using var bridge = await BridgeTestHost.StartAsync(WithCaFile(directory.Write("ca.pem", other.ExportCertificatePem())), ntfy);

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        await TlsFailureAsync(bridge);
        Assert.Equal(0, ntfy.Requests);
    }

    [Fact]
    public async Task TheRightCaDoesNotExcuseACertificateForAnotherHost()
    {
        using var directory = new TempDirectory();
        using var ca = TestCertificates.CreateCa("Bridge Test CA");
        await using var ntfy = await FakeNtfy.StartAsync(certificate: TestCertificates.IssueServer(ca, dnsName: "ntfy.elsewhere.test"));
        await using var bridge = await BridgeTestHost.StartAsync(WithCaFile(directory.Write("ca.pem", ca.ExportCertificatePem())), ntfy);

        await bridge.PostHookAsync("authentik", TestPaths.ReadAuthentikPayload("event-login-admin.json"));

        await TlsFailureAsync(bridge);
        Assert.Equal(0, ntfy.Requests);
    }

    private static string WithCaFile(string path) =>
        EndToEndConfigs.AdminLogin.Replace("    timeout: 2s\n", $"    timeout: 2s\n    ca_file: {path}\n", StringComparison.Ordinal);

    /// <summary>The first failed attempt, whose reason is the TLS handshake: no request ever reached the server.</summary>
    private static Task<Serilog.Events.LogEvent> TlsFailureAsync(BridgeTestHost bridge) =>
        bridge.Logs.WaitForAsync(e =>
        {
            var text = e.RenderMessage();
            return text.StartsWith("Attempt ", StringComparison.Ordinal) && text.Contains("SSL connection could not be established", StringComparison.Ordinal);
        });
}
