using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;

namespace Bridge.Tests.Hosting;

public sealed class BusyPortTests
{
    [Fact]
    public async Task APortInUseStopsTheStartWithOneClearLine()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        using var dir = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(TestPaths.Mappings)) dir.Write(Path.Combine("mappings", Path.GetFileName(file)), File.ReadAllText(file));
        var config = dir.Write("bridge.yaml", EndToEndConfigs.AdminLogin.Replace("${NTFY_URL:-}", "", StringComparison.Ordinal)
            .Replace("${NTFY_TOKEN:-}", "", StringComparison.Ordinal).Replace("${HOOK_TOKEN}", "busy-port-test-token-0123", StringComparison.Ordinal));
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "bridge.dll"), "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var output = await stdout + stderr;

        Assert.Equal(1, process.ExitCode);
        Assert.Equal($"error: cannot listen on http://127.0.0.1:{port}: the address is already in use (is another bridge running?); stop that process, or choose another address with --urls or server.urls", stderr.Trim());
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }
}
