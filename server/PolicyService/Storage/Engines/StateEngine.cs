using System.Data.Common;

namespace SmartTerminal.PolicyService.Storage.Engines;

/// <summary>
/// What differs between the engines, and nothing else: how a connection is made and set up, how a
/// write transaction starts, how a named lock is taken, where the schema version lives and which DDL
/// each migration runs. The SQL of the stores is the same on both.
/// </summary>
internal abstract class StateEngine
{
    public abstract StateProvider Provider { get; }

    /// <summary>A new, closed connection.</summary>
    public abstract DbConnection CreateConnection();

    /// <summary>Opens the connection and applies per-connection settings.</summary>
    public abstract Task OpenAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>A transaction that writes: on SQLite it takes the database's write lock at once.</summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Serialises writers of one thing (a device, a fleet, the audit chain) until the transaction ends,
    /// across every process sharing the database. SQLite needs nothing: its write transactions already
    /// run one at a time.
    /// </summary>
    public abstract Task LockAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken);

    /// <summary>
    /// The same across transactions: the names are held on the connection until released (or the
    /// connection closes), taken in one global order so that two holders of overlapping sets never deadlock.
    /// </summary>
    public abstract Task HoldAsync(DbConnection connection, IReadOnlyCollection<string> names, CancellationToken cancellationToken);

    /// <summary>Releases every name the connection holds.</summary>
    public abstract Task ReleaseAllAsync(DbConnection connection);

    /// <summary>Brings the schema to the newest migration; refuses a database newer than the code.</summary>
    public abstract Task MigrateAsync(DbConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken);

    /// <summary>The database's schema version (0 when empty).</summary>
    public abstract Task<int> SchemaVersionAsync(DbConnection connection, DbTransaction? transaction);

    protected static void RefuseNewer(int version, IReadOnlyList<Migration> migrations)
    {
        if (version > migrations.Count)
        {
            throw new InvalidOperationException(
                $"The state database is at schema version {version}, newer than this service knows ({migrations.Count}); run the newer service or restore a backup.");
        }
    }
}
