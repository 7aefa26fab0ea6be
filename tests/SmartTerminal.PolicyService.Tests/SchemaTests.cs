using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>The versioned schema: fresh databases, databases from before versioning, and newer ones.</summary>
public sealed class SchemaTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("st-schema-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private string DatabasePath => Path.Combine(_folder, "smartterminal.db");

    private Database Open() => new(Options.Create(new ServiceOptions { DataDirectory = _folder }));

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void A_fresh_database_gets_every_migration()
    {
        Open();

        Assert.Equal(2, Scalar("PRAGMA user_version"));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_checkpoints'"));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM pragma_table_info('devices') WHERE name = 'decommissioned_at'"));
    }

    [Fact]
    public void A_database_from_before_versioning_keeps_its_rows_and_gains_the_new_columns()
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE fleets (id TEXT PRIMARY KEY, name TEXT NOT NULL, owner TEXT NOT NULL, profile_id TEXT NOT NULL, created_at INTEGER NOT NULL);
                INSERT INTO fleets VALUES ('fl-1', 'old', 'acme', 'none', 1);
                """;
            command.ExecuteNonQuery();
        }

        Open();

        Assert.Equal(2, Scalar("PRAGMA user_version"));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM fleets WHERE id = 'fl-1'"));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM devices"));
    }

    [Fact]
    public void A_database_newer_than_the_code_is_refused()
    {
        Open();
        SqliteConnection.ClearAllPools();
        Scalar("PRAGMA user_version = 99");

        var refused = Assert.Throws<InvalidOperationException>(Open);

        Assert.Contains("schema version 99", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_database_and_its_folder_are_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
        var database = Open();
        using (var connection = database.Open())
        using (var write = connection.CreateCommand())
        {
            write.CommandText = "INSERT INTO fleets VALUES ('fl-2', 'f', 'o', 'none', 1)";
            write.ExecuteNonQuery();
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_folder));
        foreach (var file in Directory.GetFiles(_folder, "smartterminal.db*"))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.Contains(Directory.GetFiles(_folder), f => f.EndsWith("-wal", StringComparison.Ordinal));
    }
}
