using Microsoft.Data.Sqlite;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>Real SQLite failures, provoked on a real database, and the status each one answers.</summary>
public sealed class DatabaseFailuresTests : IDisposable
{
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("st-fail-").FullName, "db");
    private readonly SqliteConnection _connection;

    public DatabaseFailuresTests()
    {
        _connection = new SqliteConnection($"Data Source={_path};Pooling=False;Foreign Keys=True");
        _connection.Open();
        Execute("CREATE TABLE parent (id TEXT PRIMARY KEY); CREATE TABLE child (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES parent(id), serial TEXT UNIQUE);");
        Execute("INSERT INTO parent VALUES ('p'); INSERT INTO child VALUES ('c', 'p', 's');");
    }

    public void Dispose()
    {
        _connection.Dispose();
        Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);
    }

    private void Execute(string sql, SqliteConnection? on = null)
    {
        using var command = (on ?? _connection).CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private StateFailureKind StatusOf(string sql, SqliteConnection? on = null) =>
        DatabaseFailures.Classify(Assert.Throws<SqliteException>(() => Execute(sql, on))).Kind;

    [Fact]
    public void A_unique_clash_is_a_concurrent_creation()
    {
        Assert.Equal(StateFailureKind.AlreadyExists, StatusOf("INSERT INTO child VALUES ('c2', 'p', 's')"));
        Assert.Equal(StateFailureKind.AlreadyExists, StatusOf("INSERT INTO child VALUES ('c', 'p', 'other')"));
    }

    [Fact]
    public void A_missing_referenced_row_is_a_failed_precondition()
    {
        Assert.Equal(StateFailureKind.MissingReference, StatusOf("INSERT INTO child VALUES ('c3', 'no-such-parent', 'x')"));
    }

    [Fact]
    public void A_not_null_violation_is_a_fault_of_the_service()
    {
        Assert.Equal(StateFailureKind.Internal, StatusOf("INSERT INTO child (id, parent) VALUES ('c4', NULL)"));
    }

    [Fact]
    public void A_database_locked_by_another_writer_is_worth_a_retry()
    {
        using var writer = new SqliteConnection($"Data Source={_path};Pooling=False;Default Timeout=1");
        writer.Open();
        Execute("PRAGMA busy_timeout = 0", writer);
        Execute("BEGIN IMMEDIATE; INSERT INTO parent VALUES ('held');");

        Assert.Equal(StateFailureKind.Unavailable, StatusOf("INSERT INTO parent VALUES ('other')", writer));
        Execute("COMMIT");
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_a_damage_to_report()
    {
        var garbage = _path + ".garbage";
        File.WriteAllBytes(garbage, Enumerable.Repeat((byte)0x5A, 4096).ToArray());
        using var broken = new SqliteConnection($"Data Source={garbage};Pooling=False");
        broken.Open();

        Assert.Equal(StateFailureKind.Damaged, StatusOf("SELECT * FROM sqlite_master", broken));
        Assert.Contains("damaged", DatabaseFailures.Classify(Assert.Throws<SqliteException>(() => Execute("SELECT * FROM sqlite_master", broken))).Message, StringComparison.Ordinal);
    }
}
