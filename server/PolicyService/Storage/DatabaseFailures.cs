using Microsoft.Data.Sqlite;
using Npgsql;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>What a failed state-database call means for the caller, whichever engine failed.</summary>
public enum StateFailureKind
{
    /// <summary>Not a failure of the state database.</summary>
    None,

    /// <summary>Busy, locked, unreachable, out of disk or timed out: worth a retry; nothing was committed.</summary>
    Unavailable,

    /// <summary>A uniqueness or primary-key clash: a concurrent request created the same thing.</summary>
    AlreadyExists,

    /// <summary>A deadlock or serialisation failure with a concurrent writer: read again and retry.</summary>
    Conflict,

    /// <summary>A row it refers to does not exist (any more).</summary>
    MissingReference,

    /// <summary>The database is damaged: the operator has to restore it.</summary>
    Damaged,

    /// <summary>Anything else (a broken constraint): a fault of the service.</summary>
    Internal,
}

/// <summary>
/// The one place that knows each engine's error codes: SQLite's result codes and PostgreSQL's
/// SQLSTATEs, classified into <see cref="StateFailureKind"/> with a message for the caller.
/// </summary>
public static class DatabaseFailures
{
    // https://www.sqlite.org/rescode.html
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Constraint = 19;
    private const int NotADatabase = 26;
    private const int ConstraintForeignKey = 787;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;

    public static (StateFailureKind Kind, string Message) Classify(Exception exception) => exception switch
    {
        SqliteException sqlite => Sqlite(sqlite),
        PostgresException postgres => Postgres(postgres),
        // Npgsql's own failures: connection refused or lost, timeouts, a full pool.
        NpgsqlException npgsql => Unavailable(npgsql.Message),
        _ => (StateFailureKind.None, string.Empty),
    };

    private static (StateFailureKind, string) Sqlite(SqliteException sqlite)
    {
        var detail = sqlite.Message.TrimEnd('.');
        return sqlite.SqliteErrorCode switch
        {
            Busy or Locked or IoError or Full or CantOpen or ReadOnly => Unavailable(detail),
            Constraint when sqlite.SqliteExtendedErrorCode is ConstraintUnique or ConstraintPrimaryKey => AlreadyExists(),
            Constraint when sqlite.SqliteExtendedErrorCode is ConstraintForeignKey => MissingReference(),
            Corrupt or NotADatabase => Damaged(),
            _ => (StateFailureKind.Internal, "internal error"),
        };
    }

    // https://www.postgresql.org/docs/15/errcodes-appendix.html
    private static (StateFailureKind, string) Postgres(PostgresException postgres) => postgres.SqlState switch
    {
        PostgresErrorCodes.UniqueViolation => AlreadyExists(),
        PostgresErrorCodes.ForeignKeyViolation => MissingReference(),
        PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected =>
            (StateFailureKind.Conflict, "a concurrent change got in the way; nothing was committed, try again"),
        PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.AdminShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.ReadOnlySqlTransaction => Unavailable(postgres.MessageText),
        var state when state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal) => Unavailable(postgres.MessageText),
        PostgresErrorCodes.DataCorrupted or PostgresErrorCodes.IndexCorrupted => Damaged(),
        _ => (StateFailureKind.Internal, "internal error"),
    };

    private static (StateFailureKind, string) Unavailable(string detail) =>
        (StateFailureKind.Unavailable, $"the state database is unavailable ({detail.TrimEnd('.')}); the request was not completed, try again");

    private static (StateFailureKind, string) AlreadyExists() =>
        (StateFailureKind.AlreadyExists, "it already exists (created by a concurrent request); read it again");

    private static (StateFailureKind, string) MissingReference() =>
        (StateFailureKind.MissingReference, "something it refers to does not exist (any more)");

    private static (StateFailureKind, string) Damaged() =>
        (StateFailureKind.Damaged, "the state database is damaged; the operator has to restore it");
}
