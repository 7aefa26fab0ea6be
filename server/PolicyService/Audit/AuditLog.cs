using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>
/// Append-only, hash-chained audit log (design brief section 7): every change to baselines, guardian
/// settings, pairings and keys, every staff read of a child's data, every refused attempt. Each
/// entry's hash is an HMAC under a key kept outside the database over the previous hash and all its
/// fields, so editing, inserting or deleting a row breaks the chain and cannot be re-chained without
/// the key; signed checkpoints of the head (<see cref="AuditCheckpoints"/>) make cutting off the newest
/// entries evident to an auditor who kept one. Entries written before the chain was keyed (plain
/// SHA-256, hash scheme 0) are re-hashed under the key once, at the first start with it
/// (<see cref="KeyLegacyEntries"/>); afterwards an unkeyed entry anywhere is a break, so nobody can
/// downgrade the chain to the unkeyed scheme and re-chain it.
/// </summary>
public sealed class AuditLog(Database database, AuditKeys keys, TimeProvider time)
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";
    private const int LegacyScheme = 0;
    private const int KeyedScheme = 1;

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
        insert.CommandText = "INSERT INTO audit_log (sequence, at, actor, action, subject, before_json, after_json, hash, hash_scheme) VALUES ($s, $at, $actor, $action, $subject, $before, $after, $hash, $scheme)";
        insert.Parameters.AddWithValue("$s", sequence);
        insert.Parameters.AddWithValue("$at", at);
        insert.Parameters.AddWithValue("$actor", actor);
        insert.Parameters.AddWithValue("$action", action);
        insert.Parameters.AddWithValue("$subject", subject);
        insert.Parameters.AddWithValue("$before", beforeJson);
        insert.Parameters.AddWithValue("$after", afterJson);
        insert.Parameters.AddWithValue("$hash", Hash(KeyedScheme, previous, sequence, at, actor, action, subject, beforeJson, afterJson));
        insert.Parameters.AddWithValue("$scheme", KeyedScheme);
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

    /// <summary>
    /// Re-hashes entries from before the keyed chain under the key (once, at start), after checking
    /// their unkeyed chain; the result is recorded as an entry of its own, so a legacy chain that was
    /// already broken stays evident.
    /// </summary>
    public void KeyLegacyEntries()
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var rows = connection.CreateCommand();
        rows.Transaction = transaction;
        rows.CommandText = "SELECT sequence, at, actor, action, subject, before_json, after_json, hash, hash_scheme FROM audit_log ORDER BY sequence";
        var entries = new List<(long Sequence, long At, string Actor, string Action, string Subject, string Before, string After, string Hash, int Scheme)>();
        using (var reader = rows.ExecuteReader())
        {
            while (reader.Read())
            {
                entries.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetInt32(8)));
            }
        }

        if (!entries.Any(e => e.Scheme == LegacyScheme))
        {
            return;
        }

        long? brokenAt = null;
        var legacyPrevious = Genesis;
        var keyedPrevious = Genesis;
        foreach (var e in entries)
        {
            var scheme = e.Scheme == LegacyScheme ? LegacyScheme : KeyedScheme;
            if (brokenAt is null && !string.Equals(Hash(scheme, scheme == LegacyScheme ? legacyPrevious : keyedPrevious, e.Sequence, e.At, e.Actor, e.Action, e.Subject, e.Before, e.After), e.Hash, StringComparison.Ordinal))
            {
                brokenAt = e.Sequence;
            }

            legacyPrevious = e.Hash;
            keyedPrevious = Hash(KeyedScheme, keyedPrevious, e.Sequence, e.At, e.Actor, e.Action, e.Subject, e.Before, e.After);
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE audit_log SET hash = $h, hash_scheme = $k WHERE sequence = $s";
            update.Parameters.AddWithValue("$h", keyedPrevious);
            update.Parameters.AddWithValue("$k", KeyedScheme);
            update.Parameters.AddWithValue("$s", e.Sequence);
            update.ExecuteNonQuery();
        }

        Append(connection, transaction, "system:policy-service", "audit.chain-keyed", string.Empty,
            afterJson: AuditJson.Of(new { entries = entries.Count, unkeyedHead = entries[^1].Hash, unkeyedChainBrokenAt = brokenAt }));
        transaction.Commit();
    }

    /// <summary>The last entry's sequence and hash (0 and the genesis hash when the log is empty).</summary>
    public (ulong Sequence, string Hash) Head()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? ((ulong)reader.GetInt64(0), reader.GetString(1)) : (0, Genesis);
    }

    /// <summary>
    /// Walks the whole chain (in sequence order, streaming) and reports the first entry that does not
    /// verify, with each checkpoint's head compared on the way; checkpoints beyond the last entry mean
    /// the newest entries were removed.
    /// </summary>
    public VerifyAuditChainResponse Verify(IReadOnlyList<(ulong Sequence, string HeadHash)> checkpoints)
    {
        var expectedHeads = checkpoints.GroupBy(c => c.Sequence).ToDictionary(g => g.Key, g => g.Select(c => c.HeadHash).ToList());
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, at, actor, action, subject, before_json, after_json, hash, hash_scheme FROM audit_log ORDER BY sequence";
        using var reader = command.ExecuteReader();
        var previous = Genesis;
        ulong checkedEntries = 0;
        long expectedSequence = 1;
        var response = new VerifyAuditChainResponse { CheckpointsChecked = (uint)checkpoints.Count };
        while (reader.Read())
        {
            var sequence = reader.GetInt64(0);
            var scheme = reader.GetInt32(8);
            var stored = reader.GetString(7);
            var problem = sequence != expectedSequence ? $"entry {expectedSequence} is missing"
                : scheme != KeyedScheme ? $"entry {sequence} is not hashed under the audit key (scheme {scheme})"
                : !string.Equals(Hash(scheme, previous, sequence, reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)), stored, StringComparison.Ordinal)
                    ? $"entry {sequence} does not match its hash"
                : expectedHeads.TryGetValue((ulong)sequence, out var heads) && heads.Any(h => !string.Equals(h, stored, StringComparison.Ordinal))
                    ? $"entry {sequence} differs from a signed checkpoint"
                : null;
            if (problem is not null)
            {
                response.FirstBrokenSequence = (ulong)expectedSequence;
                response.EntriesChecked = checkedEntries;
                response.Problem = problem;
                return response;
            }

            previous = stored;
            expectedSequence++;
            checkedEntries++;
        }

        response.EntriesChecked = checkedEntries;
        if (checkpoints.Count > 0 && checkpoints.Max(c => c.Sequence) > checkedEntries)
        {
            response.FirstBrokenSequence = checkedEntries + 1;
            response.Problem = $"a signed checkpoint covers {checkpoints.Max(c => c.Sequence)} entries but the log ends at {checkedEntries}: entries were removed";
            return response;
        }

        response.Intact = true;
        return response;
    }

    private string Hash(int scheme, string previous, long sequence, long at, string actor, string action, string subject, string before, string after)
    {
        // Length-prefixed fields: no two different entries serialise to the same bytes.
        var builder = new StringBuilder();
        foreach (var part in new[] { previous, sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), at.ToString(System.Globalization.CultureInfo.InvariantCulture), actor, action, subject, before, after })
        {
            builder.Append(part.Length).Append(':').Append(part).Append('|');
        }

        var bytes = Encoding.UTF8.GetBytes(builder.ToString());
        return Convert.ToHexStringLower(scheme == KeyedScheme ? HMACSHA256.HashData(keys.ChainKey, bytes) : SHA256.HashData(bytes));
    }
}
