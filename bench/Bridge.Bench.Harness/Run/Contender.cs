using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bridge.Bench.Harness.Run;

/// <summary>A system the run measures: how to start a fresh one against a sink, and whether it delivers.</summary>
internal abstract class Contender(string name, bool delivers)
{
    public string Name { get; } = name;

    /// <summary>False for the parse-only baseline, which sends nothing anywhere.</summary>
    public bool Delivers { get; } = delivers;

    /// <summary>Starts a fresh instance, with nothing stored, delivering to <paramref name="sink"/>; its files go under <paramref name="scratch"/>.</summary>
    public abstract Task<Running> StartAsync(Uri sink, string scratch);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    protected static Func<HttpClient, Task<bool>> Healthz(int port) => async client =>
    {
        using var answer = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
        return answer.IsSuccessStatusCode;
    };
}

/// <summary>The two baselines in this project, started as processes of their own.</summary>
internal sealed class BaselineContender(string name, string mode) : Contender(name, mode == "relay")
{
    public override Task<Running> StartAsync(Uri sink, string scratch)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}";
        var command = new List<string> { Environment.ProcessPath!, mode, url };
        if (Delivers) command.Add(sink.ToString());
        return Running.StartAsync(command, new Dictionary<string, string?>(), scratch, Path.Combine(scratch, $"{mode}.log"),
            new Uri($"{url}/hooks/authentik"), null, Healthz(port));
    }
}

/// <summary>The Node-RED flow from shared/peers/node-red, run from a folder where <c>npm ci</c> installed it.</summary>
internal sealed class NodeRedContender(string folder) : Contender("Node-RED", delivers: true)
{
    public override Task<Running> StartAsync(Uri sink, string scratch)
    {
        var port = FreePort();
        var hook = new Uri($"http://127.0.0.1:{port}/hook");
        var command = new List<string>
        {
            "node", Path.Combine(folder, "node_modules", "node-red", "red.js"),
            "-u", Path.Combine(scratch, "node-red-user"), "-s", Path.Combine(folder, "settings.js"), Path.Combine(folder, "node-red-flows.json"),
        };
        var environment = new Dictionary<string, string?>
        {
            ["NTFY_URL"] = sink.ToString(),
            ["NTFY_TOKEN"] = "tk_benchbenchbenchbenchbenchbench",
            ["NTFY_TOPIC"] = "authentik",
            ["DLQ_FILE"] = Path.Combine(scratch, "node-red-dlq.jsonl"),
            ["MAX_ATTEMPTS"] = "4",
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        // Its flows start after its HTTP server does: ready is the first 202 from the flow itself.
        return Running.StartAsync(command, environment, scratch, Path.Combine(scratch, "node-red.log"), hook, null, async client =>
        {
            using var body = new StringContent("{}", Encoding.UTF8, "application/json");
            using var answer = await client.PostAsync(hook, body);
            return (int)answer.StatusCode == 202;
        });
    }
}
