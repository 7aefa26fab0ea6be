using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>The engine behind the state database.</summary>
public enum StateProvider
{
    /// <summary>A file in the data directory: the embedded default, one service process.</summary>
    Sqlite,

    /// <summary>PostgreSQL 15 or later: shared by several service replicas (design brief section 6).</summary>
    PostgreSQL,
}

/// <summary>Where the service keeps devices, fleets, policies, pairings and the audit log (section "State").</summary>
public sealed class StateOptions
{
    public const string Section = "State";

    public StateProvider Provider { get; set; } = StateProvider.Sqlite;

    /// <summary>
    /// For PostgreSQL an Npgsql connection string (required). For SQLite empty, which means
    /// smartterminal.db in PolicyService:DataDirectory, or a Microsoft.Data.Sqlite connection string.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// How long a call waits for a lock held by another writer (or, on PostgreSQL, for a statement)
    /// before it fails: the API then answers Unavailable and nothing of the call is committed.
    /// </summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;
}
