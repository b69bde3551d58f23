using System.Diagnostics;

namespace Bridge.Bench.Harness.Run;

/// <summary>
/// A PostgreSQL 15 of the run's own (Debian's, in <see cref="BinDirectory"/>): <c>initdb</c> into a temporary folder,
/// <c>pg_ctl</c> on 127.0.0.1 and a free port, one database per measured configuration, stopped at the end. Durable as
/// in production (<c>fsync</c> and <c>synchronous_commit</c> on), so its commits cost what the SQLite store's
/// <c>synchronous=FULL</c> commits cost. Under root it runs as the <c>postgres</c> user (initdb refuses root).
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const string User = "bridge";
    private static readonly bool AsRoot = Environment.UserName == "root";
    private readonly string _folder;
    private int _databases;

    private BenchPostgres(string folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    private string Data => Path.Combine(_folder, "data");

    public static async Task<BenchPostgres> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")))
            throw new InvalidOperationException($"{BinDirectory}/initdb is missing: apt-get install -y postgresql-15");
        // A temporary folder of its own (not under the run's scratch folder, which only root may enter).
        var folder = Directory.CreateTempSubdirectory("bridge-bench-pg-").FullName;
        if (AsRoot) await RunAsync("chown", ["-R", "postgres:postgres", folder], asPostgres: false);
        var server = new BenchPostgres(folder, Contender.FreePort());
        await RunAsync(Path.Combine(BinDirectory, "initdb"), ["-D", server.Data, "-U", User, "-A", "trust", "-E", "UTF8", "--locale=C"]);
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
        [
            "-D", server.Data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "30", "-o",
            $"-c listen_addresses=127.0.0.1 -p {server.Port} -c unix_socket_directories={folder} -c max_connections=200",
            "start",
        ]);
        return server;
    }

    /// <summary>A new, empty database; returns the Npgsql connection string the bridges use (a pool of 20 each).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"bench{++_databases}";
        await RunAsync(Path.Combine(BinDirectory, "createdb"), ["-h", "127.0.0.1", "-p", $"{Port}", "-U", User, name]);
        return $"Host=127.0.0.1;Port={Port};Username={User};Database={name};Maximum Pool Size=20";
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", Data, "-m", "fast", "-w", "stop"]);
        Directory.Delete(_folder, recursive: true);
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var command = asPostgres && AsRoot ? ["-u", "postgres", "--", program, .. arguments] : arguments;
        info.FileName = asPostgres && AsRoot ? "runuser" : program;
        foreach (var a in command) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(program)} exited with {process.ExitCode}:\n{await output}\n{await errors}");
    }
}
