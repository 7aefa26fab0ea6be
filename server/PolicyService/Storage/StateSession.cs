using System.Data.Common;
using Dapper;
using SmartTerminal.PolicyService.Storage.Engines;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>
/// One connection to the state database, with a write transaction or without: what the stores run
/// their SQL on. SQL uses <c>@name</c> parameters, bound from an anonymous object (unsigned values as
/// <c>long</c>: neither engine has unsigned columns). Rows come back as records whose properties are
/// named after the columns (device_id fills DeviceId); each has a private parameterless constructor so
/// that Dapper maps by name, converting as needed, rather than by an exact constructor signature, which
/// fails on SQLite for an expression column of an empty result (typed BLOB then). Disposing without
/// <see cref="CommitAsync"/> rolls the transaction back.
/// </summary>
public sealed class StateSession : IAsyncDisposable
{
    private readonly StateEngine _engine;
    private readonly DbConnection _connection;
    private readonly DbTransaction? _transaction;
    private readonly bool _ownsConnection;
    private bool _disposed;

    internal StateSession(StateEngine engine, DbConnection connection, DbTransaction? transaction, bool ownsConnection)
    {
        _engine = engine;
        _connection = connection;
        _transaction = transaction;
        _ownsConnection = ownsConnection;
    }

    public bool IsWrite => _transaction is not null;

    /// <summary>The engine, for the rare statement whose fastest form differs (see DevicePolicyStore.StoreAsync).</summary>
    public StateProvider Provider => _engine.Provider;

    /// <summary>
    /// "column is one of the list parameter" in the engine's words: <c>IN @list</c> (expanded by Dapper)
    /// on SQLite, <c>= ANY(@list)</c> (one array parameter) on PostgreSQL. Bind the list as an array.
    /// </summary>
    public string IsAnyOf(string column, string parameter) =>
        _engine.Provider == StateProvider.PostgreSQL ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>Runs the statement; with a sequence of parameter objects, once per object on one prepared command.</summary>
    public Task<int> ExecuteAsync(string sql, object? parameters = null) =>
        _connection.ExecuteAsync(Command(sql, parameters));

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null) =>
        [.. await _connection.QueryAsync<T>(Command(sql, parameters))];

    public Task<T?> QueryFirstOrDefaultAsync<T>(string sql, object? parameters = null) =>
        _connection.QueryFirstOrDefaultAsync<T>(Command(sql, parameters));

    public Task<T> ScalarAsync<T>(string sql, object? parameters = null) =>
        _connection.ExecuteScalarAsync<T>(Command(sql, parameters))!;

    /// <summary>Rows one at a time, for reads too large to hold (the whole audit chain).</summary>
    public IAsyncEnumerable<T> StreamAsync<T>(string sql, object? parameters = null) =>
        _connection.QueryUnbufferedAsync<T>(sql, parameters, _transaction);

    /// <summary>
    /// Serialises this transaction with every other one that locks the same name, in any process,
    /// until it ends. Take locks in the order guardian, fleet, device, audit, so that none waits in a circle.
    /// </summary>
    public Task LockAsync(string name) =>
        _engine.LockAsync(_connection, _transaction ?? throw new InvalidOperationException("a lock needs a write session"), name, CancellationToken.None);

    public Task CommitAsync() =>
        (_transaction ?? throw new InvalidOperationException("a read session has nothing to commit")).CommitAsync();

    /// <summary>Ends the session (rolling back what was not committed); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
        }

        if (_ownsConnection)
        {
            await _connection.DisposeAsync();
        }
    }

    private CommandDefinition Command(string sql, object? parameters) => new(sql, parameters, _transaction);
}
