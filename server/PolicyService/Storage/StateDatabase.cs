using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Storage.Engines;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>
/// The state database, on the engine configured in <see cref="StateOptions"/>: sessions for the stores
/// (a read, or a write transaction), and holds, which serialise a step that spans a transaction and
/// what follows it (store a policy version, then publish it) across every replica. The schema is
/// migrated when the service starts.
/// </summary>
public sealed class StateDatabase
{
    private readonly StateEngine _engine;
    private readonly LocalLocks _localLocks = new();

    static StateDatabase()
    {
        // Columns are snake_case, records PascalCase: device_id fills DeviceId.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public StateDatabase(IOptions<StateOptions> state, IOptions<ServiceOptions> service)
    {
        var options = state.Value;
        _engine = options.Provider switch
        {
            StateProvider.PostgreSQL => new PostgresEngine(options.ConnectionString, options.TimeoutSeconds),
            _ => new SqliteEngine(options.ConnectionString.Length > 0 ? options.ConnectionString : "Data Source=" + service.Value.DatabasePath, options.TimeoutSeconds),
        };
        MigrateAsync().GetAwaiter().GetResult();
    }

    public StateProvider Provider => _engine.Provider;

    /// <summary>A session that reads (each statement sees what was committed before it).</summary>
    public Task<StateSession> ReadAsync(CancellationToken cancellationToken = default) => OpenAsync(cancellationToken);

    /// <summary>
    /// A session without a transaction: each statement commits on its own. For reads, and for a write
    /// that is one self-contained statement (an upsert that guards itself), which then costs no BEGIN/COMMIT.
    /// </summary>
    public async Task<StateSession> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = _engine.CreateConnection();
        await _engine.OpenAsync(connection, cancellationToken);
        return new StateSession(_engine, connection, null, ownsConnection: true);
    }

    /// <summary>A session with a write transaction: commit it, or disposing rolls it back.</summary>
    public async Task<StateSession> WriteAsync(CancellationToken cancellationToken = default)
    {
        var connection = _engine.CreateConnection();
        await _engine.OpenAsync(connection, cancellationToken);
        try
        {
            var transaction = await _engine.BeginWriteAsync(connection, cancellationToken);
            return new StateSession(_engine, connection, transaction, ownsConnection: true);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Holds the name until disposed: in this process, and on PostgreSQL in every replica.</summary>
    public Task<StateHold> HoldAsync(string name, CancellationToken cancellationToken = default) => HoldAsync([name], cancellationToken);

    /// <summary>Holds every name until disposed (a batch of devices), in an order no other holder can deadlock with.</summary>
    public async Task<StateHold> HoldAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken = default)
    {
        var local = await _localLocks.EnterAsync(names, cancellationToken);
        var connection = _engine.CreateConnection();
        try
        {
            await _engine.OpenAsync(connection, cancellationToken);
            await _engine.HoldAsync(connection, names, cancellationToken);
            return new StateHold(_engine, connection, local);
        }
        catch
        {
            await connection.DisposeAsync();
            local.Dispose();
            throw;
        }
    }

    /// <summary>The schema version of the database (for diagnostics and tests).</summary>
    public async Task<int> SchemaVersionAsync()
    {
        await using var connection = _engine.CreateConnection();
        await _engine.OpenAsync(connection, CancellationToken.None);
        return await _engine.SchemaVersionAsync(connection, null);
    }

    private async Task MigrateAsync()
    {
        await using var connection = _engine.CreateConnection();
        await _engine.OpenAsync(connection, CancellationToken.None);
        await _engine.MigrateAsync(connection, Migrations.All, CancellationToken.None);
    }
}

/// <summary>Names held across transactions; its sessions run on the connection that holds them.</summary>
public sealed class StateHold : IAsyncDisposable
{
    private readonly StateEngine _engine;
    private readonly System.Data.Common.DbConnection _connection;
    private readonly IDisposable _local;

    internal StateHold(StateEngine engine, System.Data.Common.DbConnection connection, IDisposable local)
    {
        _engine = engine;
        _connection = connection;
        _local = local;
    }

    /// <summary>A session without a transaction on the held connection (reads, self-contained single-statement writes).</summary>
    public StateSession Open() => new(_engine, _connection, null, ownsConnection: false);

    public async Task<StateSession> WriteAsync() =>
        new(_engine, _connection, await _engine.BeginWriteAsync(_connection, CancellationToken.None), ownsConnection: false);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _engine.ReleaseAllAsync(_connection);
        }
        finally
        {
            // Closing the connection would release the lock too; releasing first keeps a pooled connection clean.
            await _connection.DisposeAsync();
            _local.Dispose();
        }
    }
}
