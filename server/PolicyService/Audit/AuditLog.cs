using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>
/// Append-only, hash-chained audit log (design brief section 7): every change to baselines, guardian
/// settings, pairings and keys, and every staff read of a child's data. Each entry's hash covers the
/// previous hash and all its fields, so editing or deleting a row breaks the chain from there on.
/// </summary>
public sealed class AuditLog(Database database, TimeProvider time)
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Appends within the caller's transaction, so the change and its record commit together.</summary>
    public void Append(SqliteConnection connection, SqliteTransaction transaction, string actor, string action, string subject, string beforeJson = "", string afterJson = "")
    {
        using var last = connection.CreateCommand();
        last.Transaction = transaction;
        last.CommandText = "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1";
        long sequence = 1;
        var previous = Genesis;
        using (var reader = last.ExecuteReader())
        {
            if (reader.Read())
            {
                sequence = reader.GetInt64(0) + 1;
                previous = reader.GetString(1);
            }
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO audit_log (sequence, at, actor, action, subject, before_json, after_json, hash) VALUES ($s, $at, $actor, $action, $subject, $before, $after, $hash)";
        insert.Parameters.AddWithValue("$s", sequence);
        insert.Parameters.AddWithValue("$at", at);
        insert.Parameters.AddWithValue("$actor", actor);
        insert.Parameters.AddWithValue("$action", action);
        insert.Parameters.AddWithValue("$subject", subject);
        insert.Parameters.AddWithValue("$before", beforeJson);
        insert.Parameters.AddWithValue("$after", afterJson);
        insert.Parameters.AddWithValue("$hash", Hash(previous, sequence, at, actor, action, subject, beforeJson, afterJson));
        insert.ExecuteNonQuery();
    }

    /// <summary>Appends in its own transaction (for reads of a child's data, refused attempts).</summary>
    public void Append(string actor, string action, string subject, string afterJson = "")
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        Append(connection, transaction, actor, action, subject, afterJson: afterJson);
        transaction.Commit();
    }

    public IReadOnlyList<AuditEntry> List(string subject, ulong afterSequence, int limit) =>
        Read("($subject = '' OR subject = $subject)", afterSequence, limit, c => c.Parameters.AddWithValue("$subject", subject));

    /// <summary>Entries written in [from, to), read a page at a time so that a long log streams in bounded memory.</summary>
    public IEnumerable<AuditEntry> Between(DateTimeOffset from, DateTimeOffset to)
    {
        const int Page = 1000;
        ulong after = 0;
        while (true)
        {
            var page = Read("at >= $from AND at < $to", after, Page, c =>
            {
                c.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
                c.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            });
            foreach (var entry in page)
            {
                yield return entry;
            }

            if (page.Count < Page)
            {
                yield break;
            }

            after = page[^1].Sequence;
        }
    }

    private List<AuditEntry> Read(string filter, ulong afterSequence, int limit, Action<SqliteCommand> bind)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT sequence, at, actor, action, subject, before_json, after_json, hash FROM audit_log WHERE sequence > $after AND {filter} ORDER BY sequence LIMIT $limit";
        command.Parameters.AddWithValue("$after", (long)afterSequence);
        command.Parameters.AddWithValue("$limit", limit);
        bind(command);
        using var reader = command.ExecuteReader();
        var entries = new List<AuditEntry>();
        while (reader.Read())
        {
            entries.Add(new AuditEntry
            {
                Sequence = (ulong)reader.GetInt64(0),
                At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))),
                Actor = reader.GetString(2),
                Action = reader.GetString(3),
                Subject = reader.GetString(4),
                BeforeJson = reader.GetString(5),
                AfterJson = reader.GetString(6),
                Hash = reader.GetString(7),
            });
        }

        return entries;
    }

    public VerifyAuditChainResponse Verify()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, at, actor, action, subject, before_json, after_json, hash FROM audit_log ORDER BY sequence";
        using var reader = command.ExecuteReader();
        var previous = Genesis;
        ulong checkedEntries = 0;
        long expectedSequence = 1;
        while (reader.Read())
        {
            var sequence = reader.GetInt64(0);
            var expected = Hash(previous, sequence, reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6));
            var stored = reader.GetString(7);
            if (sequence != expectedSequence || !string.Equals(expected, stored, StringComparison.Ordinal))
            {
                return new VerifyAuditChainResponse { Intact = false, EntriesChecked = checkedEntries, FirstBrokenSequence = (ulong)expectedSequence };
            }

            previous = stored;
            expectedSequence++;
            checkedEntries++;
        }

        return new VerifyAuditChainResponse { Intact = true, EntriesChecked = checkedEntries };
    }

    private static string Hash(string previous, long sequence, long at, string actor, string action, string subject, string before, string after)
    {
        // Length-prefixed fields: no two different entries serialise to the same bytes.
        var builder = new StringBuilder();
        foreach (var part in new[] { previous, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), at.ToString(System.Globalization.CultureInfo.InvariantCulture), actor, action, subject, before, after })
        {
            builder.Append(part.Length).Append(':').Append(part).Append('|');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }
}
