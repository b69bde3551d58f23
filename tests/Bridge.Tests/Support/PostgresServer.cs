using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Bridge.Tests.Support;

/// <summary>
/// A real PostgreSQL 15 (Debian's, from <see cref="BinDirectory"/>) for one test run: <c>initdb</c> into a temporary
/// folder, <c>pg_ctl</c> on 127.0.0.1 and a free port, stopped and deleted at the end. Each test takes a database of its
/// own (<see cref="CreateDatabaseAsync"/>), so tests stay independent. Under root the server runs as the <c>postgres</c>
/// user (initdb refuses root), and the folder is that user's.
/// </summary>
/// <remarks>
/// <c>fsync=off</c> and <c>full_page_writes=off</c> only matter when the operating system itself crashes: a stopped or
/// killed server (<see cref="KillAsync"/>) still finds every commit in the OS's page cache. <c>synchronous_commit</c> stays
/// on: off, a commit could be answered before its WAL left the server's memory, and a kill would lose it.
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
    public const string User = "bridge";

    private static readonly bool AsRoot = Environment.UserName == "root";
    private static int _databases;

    private readonly string _folder = Directory.CreateTempSubdirectory("bridge-pg-").FullName;

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(_folder, "data");

    private string LogFile => Path.Combine(_folder, "server.log");

    /// <summary>The server's own database, for creating others; tests use <see cref="CreateDatabaseAsync"/>.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = User,
        Database = database,
        // A test that restarts the server must not find dead connections in the pool afterwards.
        Pooling = false,
        Timeout = 5,
    }.ConnectionString;

    public async Task InitializeAsync()
    {
        var initdb = Path.Combine(BinDirectory, "initdb");
        if (!File.Exists(initdb))
            throw new InvalidOperationException($"{initdb} is missing: the PostgreSQL tests need Debian's PostgreSQL 15 (apt-get install -y postgresql-15), as .ci/run installs it");
        if (AsRoot) await RunAsync("chown", ["-R", "postgres:postgres", _folder], asPostgres: false);
        await RunAsync(initdb, ["-D", DataDirectory, "-U", User, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        // The port is free when asked but may be taken before the server binds it (other test runs share the machine).
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Taken meanwhile: another port.
            }
        }
    }

    /// <summary>A new, empty database of its own for one test; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Interlocked.Increment(ref _databases)}_{Environment.ProcessId}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>Stops the server as a crash would (<c>pg_ctl -m immediate</c>): no checkpoint, clients cut off.</summary>
    public Task KillAsync() => RunAsync(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);

    /// <summary>Starts the server on its port again (after <see cref="KillAsync"/>); it recovers from its WAL first.</summary>
    public Task StartAsync() => RunAsync(Path.Combine(BinDirectory, "pg_ctl"),
    [
        "-D", DataDirectory, "-l", LogFile, "-w", "-t", "30", "-o",
        $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={_folder} -c fsync=off -c full_page_writes=off -c max_connections=300",
        "start",
    ]);

    /// <summary>A crash and a restart on the same port.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid"))) await KillAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner gets it.
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <exception cref="InvalidOperationException">The command failed; the message has its output and the server's log.</exception>
    private async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && AsRoot)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", "postgres", "--", program]) start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = program;
        }
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode == 0) return;
        var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "";
        throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await errors}\n{log}");
    }
}

/// <summary>
/// One PostgreSQL server for every test that needs one. A collection's tests run one after another, so a test that
/// restarts the server never cuts off another's.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
