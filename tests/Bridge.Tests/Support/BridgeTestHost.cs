using System.Net.Http.Headers;
using Bridge.Configuration;
using Bridge.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Bridge.Tests.Support;

/// <summary>What a test may change about the host it starts.</summary>
/// <param name="Directory">Start in this folder (kept after the host stops): how a test restarts the bridge on the same store.</param>
/// <param name="Time">The clock the bridge runs on.</param>
/// <param name="WrapStore">Replaces parts of the store the host opens, to observe or break commits.</param>
public sealed record TestHostOptions(
    TempDirectory? Directory = null,
    TimeProvider? Time = null,
    Func<Bridge.Storage.BridgeStore, Bridge.Storage.BridgeStore>? WrapStore = null,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>
/// The real bridge host, listening on a real socket on 127.0.0.1, built from a YAML config written for the test.
/// Environment variables for <c>${VAR}</c> come from the test, not the process, so tests stay independent.
/// </summary>
public sealed class BridgeTestHost : IAsyncDisposable
{
    public const string HookToken = "hook-secret-7f3a9c";

    private readonly WebApplication _app;
    private readonly TempDirectory _directory;
    private readonly bool _ownsDirectory;
    private bool _killed;

    private BridgeTestHost(WebApplication app, TempDirectory directory, bool ownsDirectory, TestLogSink logs)
    {
        _app = app;
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public HttpClient Client { get; }

    public TestLogSink Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The folder holding the config, the mappings and <c>data/bridge.db</c>.</summary>
    public string Directory => _directory.Path;

    /// <summary>The store file of the test's default <c>storage.path</c>.</summary>
    public string StorePath => Path.Combine(_directory.Path, "data", "bridge.db");

    /// <summary>The store's admin queries and replays, as the host uses them.</summary>
    public Bridge.Storage.IAdminStore Store => _app.Services.GetRequiredService<Bridge.Storage.IAdminStore>();

    /// <param name="yaml">The config; <c>${NTFY_URL}</c>, <c>${NTFY_TOKEN}</c> and <c>${HOOK_TOKEN}</c> are provided.</param>
    /// <param name="mappings">Extra mapping files (name → source) written next to the config; the repository's mappings are copied too.</param>
    /// <param name="options">Restarts (a directory kept from an earlier host), a fake clock, a store wrapper, more ${VAR}s.</param>
    public static async Task<BridgeTestHost> StartAsync(string yaml, FakeNtfy? ntfy = null, IReadOnlyDictionary<string, string>? mappings = null, TestHostOptions? options = null)
    {
        var directory = options?.Directory ?? new TempDirectory();
        foreach (var file in System.IO.Directory.EnumerateFiles(TestPaths.Mappings))
            File.Copy(file, Path.Combine(System.IO.Directory.CreateDirectory(Path.Combine(directory.Path, "mappings")).FullName, Path.GetFileName(file)), overwrite: true);
        foreach (var (name, source) in mappings ?? new Dictionary<string, string>()) directory.Write(Path.Combine("mappings", name), source);
        var configPath = directory.Write("bridge.yaml", yaml);

        var env = new Dictionary<string, string?>
        {
            ["NTFY_URL"] = ntfy?.Url.ToString() ?? "",
            ["NTFY_TOKEN"] = ntfy?.Token ?? "",
            ["HOOK_TOKEN"] = HookToken,
        };
        foreach (var (name, value) in options?.Environment ?? new Dictionary<string, string>()) env[name] = value;
        var loaded = BridgeRuntime.Compile(ConfigLoader.LoadFile(configPath, new EnvInterpolator(name => env.GetValueOrDefault(name))));
        if (loaded.Runtime is null) throw new InvalidOperationException("test config is invalid:\n" + string.Join("\n", loaded.Errors));

        var logs = new TestLogSink();
        var settings = new HostSettings("http://127.0.0.1:0", lc => lc.MinimumLevel.Debug().WriteTo.Sink(logs), options?.Time)
        {
            WrapStore = options?.WrapStore,
            Environment = new EnvInterpolator(name => env.GetValueOrDefault(name)),
        };
        var app = BridgeHost.Build(loaded.Runtime, settings);
        await app.StartAsync();
        return new BridgeTestHost(app, directory, options?.Directory is null, logs);
    }

    /// <summary>POSTs a body to <c>/hooks/{source}</c> with the Bearer token (unless <paramref name="token"/> says otherwise).</summary>
    public Task<HttpResponseMessage> PostHookAsync(string source, byte[] body, string? token = HookToken, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/{source}") { Content = new ByteArrayContent(body) };
        if (contentType.Length > 0) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Client.SendAsync(request);
    }

    /// <summary>POSTs exactly <paramref name="body"/> to <c>/hooks/{source}</c> with the given headers and nothing else.</summary>
    public Task<HttpResponseMessage> PostRawAsync(string pathAndQuery, byte[] body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, pathAndQuery) { Content = new ByteArrayContent(body) };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return Client.SendAsync(request);
    }

    /// <summary>Writes <paramref name="yaml"/> as the config file and waits until the host says it reloaded it.</summary>
    public async Task ReloadAsync(string yaml)
    {
        var earlier = Logs.Events.ToHashSet();
        var reloaded = Logs.WaitForAsync(e => !earlier.Contains(e) && e.RenderMessage().StartsWith("Configuration reloaded", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(Directory, "bridge.yaml"), yaml);
        await reloaded;
    }

    /// <summary>Stops the host as SIGTERM would: graceful shutdown, background services drained.</summary>
    public Task StopAsync() => _app.StopAsync();

    /// <summary>
    /// Ends the host without a graceful shutdown: no service is stopped first, their work is cut off where it stands, as a
    /// killed process's is (the store keeps what it committed). The directory is kept for a restart.
    /// </summary>
    public async Task KillAsync()
    {
        _killed = true;
        Client.Dispose();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_killed)
        {
            if (_ownsDirectory) _directory.Dispose();
            return;
        }
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDirectory) _directory.Dispose();
    }
}
