using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bridge.Tests.Support;

/// <summary>
/// The built bridge (<c>bridge.dll</c>, copied next to the tests by the project reference) running as a process of its
/// own, so a test can kill it as hard as a power cut kills a server: SIGKILL, no shutdown code runs.
/// </summary>
public sealed class BridgeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    /// <summary>Completes when the host says it has started (its listeners are bound by then), or faults if the process exits first.</summary>
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BridgeProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
        process.OutputDataReceived += (_, e) => Received(e.Data);
        process.ErrorDataReceived += (_, e) => Received(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            // Exited can come before the last lines are read; WaitForExit() returns once both streams have ended.
            process.WaitForExit();
            _started.TrySetException(new InvalidOperationException("the bridge exited during start-up:\n" + Output));
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Url { get; }

    /// <summary>What the process printed, for a failing test's message.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts <c>bridge serve</c> on a free loopback port and waits until <c>/healthz</c> answers.</summary>
    public static async Task<BridgeProcess> StartAsync(string configPath, IReadOnlyDictionary<string, string> environment)
    {
        // A free port is free only until another test binds it first; the bridge then stops with its busy-port line,
        // and another free port is tried.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(configPath, environment, FreePort());
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<BridgeProcess> StartOnceAsync(string configPath, IReadOnlyDictionary<string, string> environment, int port)
    {
        var url = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "bridge.dll"), "serve", "--config", configPath, "--urls", url.ToString() },
            WorkingDirectory = Path.GetDirectoryName(configPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new BridgeProcess(Process.Start(start)!, url);
        try
        {
            await process._started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return process;
    }

    private void Received(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        if (line.Contains("Application started", StringComparison.Ordinal)) _started.TrySetResult();
    }

    /// <summary>SIGKILL: the process ends at once, mid-request, mid-commit, whatever it was doing.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
