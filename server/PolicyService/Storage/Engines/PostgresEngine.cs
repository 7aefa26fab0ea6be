using System.Data.Common;
using Npgsql;

namespace SmartTerminal.PolicyService.Storage.Engines;

/// <summary>
/// PostgreSQL, for several service replicas: READ COMMITTED transactions, writers of one thing
/// serialised by transaction-scoped advisory locks on the thing's name (so every replica waits for
/// every other), the schema version in a table of its own, migrations under a session advisory lock
/// so replicas starting together apply each migration once.
/// </summary>
internal sealed class PostgresEngine : StateEngine
{
    private const string MigrationLock = "schema-migration";
    private readonly NpgsqlDataSource _dataSource;

    public PostgresEngine(string connectionString, int timeoutSeconds)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("State:ConnectionString is required with State:Provider=PostgreSQL (e.g. Host=db;Database=smartterminal;Username=st;Password=...)");
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = timeoutSeconds };
        // A lock held by another writer fails the call after the timeout instead of queueing it forever.
        // Plans are made for each execution's values: a generic plan made while a new database's tables
        // were empty (a sequential scan) would otherwise stay in use as they grow to millions of rows.
        builder.Options = $"{builder.Options} -c lock_timeout={timeoutSeconds * 1000} -c plan_cache_mode=force_custom_plan".Trim();
        builder.ApplicationName ??= "smartterminal-policy-service";
        // The stores run the same few dozen statements over and over: prepared once per connection, a
        // statement skips parsing and planning (unless the operator chose otherwise in the connection string).
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 100;
            builder.AutoPrepareMinUsages = 2;
        }

        // The stores change no session state (no SET, temporary tables or LISTEN) and a hold releases its
        // advisory locks itself, so a pooled connection needs no reset between uses, which the server
        // would otherwise run with the next statement of every session.
        builder.NoResetOnClose = true;
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public override StateProvider Provider => StateProvider.PostgreSQL;

    public override DbConnection CreateConnection() => _dataSource.CreateConnection();

    public override Task OpenAsync(DbConnection connection, CancellationToken cancellationToken) => connection.OpenAsync(cancellationToken);

    public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);

    public override Task LockAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken) =>
        RunAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended(@name, 0))", name, cancellationToken);

    public override async Task HoldAsync(DbConnection connection, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        await using var command = (NpgsqlCommand)connection.CreateCommand();
        // In key order: every holder of several names takes them in the same order.
        command.CommandText = "SELECT pg_advisory_lock(k) FROM (SELECT DISTINCT hashtextextended(n, 0) AS k FROM unnest(@names) AS n ORDER BY k) AS keys";
        command.Parameters.AddWithValue("names", names.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task ReleaseAllAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_advisory_unlock_all()";
        await command.ExecuteNonQueryAsync();
    }

    public override async Task MigrateAsync(DbConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        await HoldAsync(connection, [MigrationLock], cancellationToken);
        try
        {
            await using (var table = connection.CreateCommand())
            {
                table.CommandText = "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)";
                await table.ExecuteNonQueryAsync(cancellationToken);
            }

            var version = await SchemaVersionAsync(connection, null);
            RefuseNewer(version, migrations);
            foreach (var migration in migrations.Where(m => m.Version > version))
            {
                await using var transaction = await BeginWriteAsync(connection, cancellationToken);
                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"{migration.Postgres.TrimEnd().TrimEnd(';')};\nDELETE FROM schema_version;\nINSERT INTO schema_version (version) VALUES ({migration.Version});";
                await command.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            await ReleaseAllAsync(connection);
        }
    }

    public override async Task<int> SchemaVersionAsync(DbConnection connection, DbTransaction? transaction)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task RunAsync(DbConnection connection, DbTransaction? transaction, string sql, string name, CancellationToken cancellationToken)
    {
        await using var command = (NpgsqlCommand)connection.CreateCommand();
        command.Transaction = (NpgsqlTransaction?)transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
