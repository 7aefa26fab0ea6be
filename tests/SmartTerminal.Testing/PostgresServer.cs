using System.Diagnostics;

namespace SmartTerminal.Testing;

/// <summary>
/// A throw-away PostgreSQL cluster for the tests: <c>initdb</c> into a temporary folder and
/// <c>pg_ctl start</c> on a free loopback port, once per test process, stopped when the process exits.
/// Each caller gets a database of its own (<see cref="CreateDatabaseAsync"/>), so tests running in
/// parallel never see each other's rows. Durability is switched off (fsync): nothing here must survive
/// a power cut, and the tests run faster. Install it with apt-get install postgresql (scripts/test.sh does).
/// As root the cluster runs as the "postgres" user, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim s_starting = new(1, 1);
    private static PostgresServer? s_shared;

    private readonly string _directory;
    private readonly string _binaries;
    private readonly bool _durable;

    private PostgresServer(string directory, string binaries, int port, bool durable)
    {
        _directory = directory;
        _binaries = binaries;
        _durable = durable;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Connection string of the cluster's superuser to the given database.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20";

    /// <summary>The cluster of this test process, started on first use.</summary>
    public static async Task<PostgresServer> SharedAsync()
    {
        await s_starting.WaitAsync();
        try
        {
            if (s_shared is null)
            {
                s_shared = await StartAsync(durable: false);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => s_shared.Stop();
            }

            return s_shared;
        }
        finally
        {
            s_starting.Release();
        }
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "st_" + Guid.NewGuid().ToString("N")[..16];
        await RunAsync(Path.Combine(_binaries, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-q", "-c", $"CREATE DATABASE {name}"]);
        return ConnectionString(name);
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public Task DropDatabaseAsync(string connectionString)
    {
        var name = connectionString.Split(';').Single(p => p.StartsWith("Database=", StringComparison.Ordinal))["Database=".Length..];
        return RunAsync(Path.Combine(_binaries, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-q", "-c", $"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]);
    }

    /// <summary>
    /// A cluster of the caller's own, for a test that stops and restarts PostgreSQL under the service
    /// (<see cref="CrashAsync"/>, <see cref="StartAgainAsync"/>); disposed by the caller.
    /// </summary>
    public static Task<PostgresServer> StartOwnAsync() => StartAsync(durable: true);

    /// <summary>Stops the cluster as a crash would (immediate shutdown: no checkpoint, connections cut).</summary>
    public Task CrashAsync() =>
        RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);

    /// <summary>Starts a stopped cluster again on the same port and data (crash recovery replays its log).</summary>
    public Task StartAgainAsync() => PgCtlStartAsync(_binaries, _directory, Port, _durable);

    public ValueTask DisposeAsync()
    {
        try
        {
            Stop();
        }
        catch (InvalidOperationException)
        {
            // Stopped already (a test that crashed it last); the folder is gone all the same.
        }

        return ValueTask.CompletedTask;
    }

    // Durable: commits survive a crash of PostgreSQL (synchronous_commit on), as the service requires in
    // production; the shared cluster trades that for speed (nothing in it must survive a crash).
    private static async Task<PostgresServer> StartAsync(bool durable)
    {
        var binaries = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (binaries is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql; scripts/install-prerequisites.sh tests does it)");
        }

        var directory = Directory.CreateTempSubdirectory("st-pg-").FullName;
        var data = Path.Combine(directory, "data");
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", directory]);
        }

        await RunAsync(Path.Combine(binaries, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
        var port = FreePort.Next();
        await PgCtlStartAsync(binaries, directory, port, durable);
        return new PostgresServer(directory, binaries, port, durable);
    }

    private static Task PgCtlStartAsync(string binaries, string directory, int port, bool durable)
    {
        // fsync stays off even when durable: the tests crash PostgreSQL, never the machine.
        var settings = string.Join(' ',
            $"-p {port}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={directory}", "-c fsync=off",
            durable ? "-c synchronous_commit=on" : "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=400", "-c shared_buffers=64MB",
            // For the load harness's report of where the database's time goes.
            "-c shared_preload_libraries=pg_stat_statements");
        return RunAsync(Path.Combine(binaries, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-l", Path.Combine(directory, "server.log"), "-o", settings, "-w", "-t", "60", "start"]);
    }

    private void Stop()
    {
        try
        {
            RunAsync(Path.Combine(_binaries, "pg_ctl"), ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    // PostgreSQL's programs run as the postgres user when the tests run as root.
    private static async Task RunAsync(string program, string[] arguments)
    {
        var asPostgres = IsRoot && program.StartsWith("/usr/lib/postgresql", StringComparison.Ordinal);
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var argument in asPostgres ? ["-u", "postgres", "--", program, .. arguments] : arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}
