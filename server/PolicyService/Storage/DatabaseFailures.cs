using Grpc.Core;
using Microsoft.Data.Sqlite;

namespace SmartTerminal.PolicyService.Storage;

/// <summary>
/// What a failed database call means for the caller: busy, locked or out of disk is worth a retry
/// (Unavailable); a uniqueness or primary-key clash is a concurrent creation of the same thing
/// (AlreadyExists); a missing referenced row is a state the request does not fit (FailedPrecondition);
/// a damaged database or any other constraint is a fault of the service (Internal). The one place that
/// knows SQLite's error codes.
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

    public static bool IsDatabaseFailure(Exception exception) => exception is SqliteException;

    public static (StatusCode Status, string Message) Classify(Exception exception)
    {
        if (exception is not SqliteException sqlite)
        {
            return (StatusCode.Internal, "internal error");
        }

        var detail = sqlite.Message.TrimEnd('.');
        return sqlite.SqliteErrorCode switch
        {
            Busy or Locked or IoError or Full or CantOpen or ReadOnly =>
                (StatusCode.Unavailable, $"the state database is unavailable ({detail}); the request was not completed, try again"),
            Constraint when sqlite.SqliteExtendedErrorCode is ConstraintUnique or ConstraintPrimaryKey =>
                (StatusCode.AlreadyExists, "it already exists (created by a concurrent request); read it again"),
            Constraint when sqlite.SqliteExtendedErrorCode is ConstraintForeignKey =>
                (StatusCode.FailedPrecondition, "something it refers to does not exist (any more)"),
            Corrupt or NotADatabase =>
                (StatusCode.Internal, "the state database is damaged; the operator has to restore it"),
            _ => (StatusCode.Internal, "internal error"),
        };
    }
}
