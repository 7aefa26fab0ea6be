using System.Security.Cryptography;
using System.Text;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

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
public sealed class AuditLog(StateDatabase database, AuditStore store, AuditKeys keys, TimeProvider time)
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";
    private const int LegacyScheme = 0;
    private const int KeyedScheme = 1;
    private const int Page = 1000;

    /// <summary>
    /// Appends within the caller's write session, so the change and its record commit together. Call it
    /// last in the transaction: it holds the chain's lock until the commit.
    /// </summary>
    public async Task AppendAsync(StateSession session, string actor, string action, string subject, string beforeJson = "", string afterJson = "")
    {
        var head = await store.LockHeadAsync(session);
        var sequence = (head?.Sequence ?? 0) + 1;
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        var hash = Hash(KeyedScheme, head?.Hash ?? Genesis, sequence, at, actor, action, subject, beforeJson, afterJson);
        await store.InsertAsync(session, new StoredAuditEntry(sequence, at, actor, action, subject, beforeJson, afterJson, hash, KeyedScheme));
    }

    /// <summary>Appends in its own transaction (for reads of a child's data, refused attempts).</summary>
    public async Task AppendAsync(string actor, string action, string subject, string afterJson = "")
    {
        await using var session = await database.WriteAsync();
        await AppendAsync(session, actor, action, subject, afterJson: afterJson);
        await session.CommitAsync();
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(string subject, ulong afterSequence, int limit)
    {
        await using var session = await database.ReadAsync();
        return [.. (await store.PageAsync(session, subject, (long)afterSequence, limit)).Select(ToEntry)];
    }

    /// <summary>The newest entries about one subject with one of the actions, written in [from, to), newest first.</summary>
    public async Task<IReadOnlyList<AuditRecord>> NewestAsync(string subject, IReadOnlyCollection<string> actions, DateTimeOffset from, DateTimeOffset to, int limit)
    {
        await using var session = await database.ReadAsync();
        return [.. (await store.NewestOfSubjectAsync(session, subject, actions, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), limit)).Select(ToEntry)];
    }

    /// <summary>Entries written in [from, to), read a page at a time so that a long log streams in bounded memory.</summary>
    public async IAsyncEnumerable<AuditRecord> BetweenAsync(DateTimeOffset from, DateTimeOffset to)
    {
        long after = 0;
        while (true)
        {
            IReadOnlyList<StoredAuditEntry> page;
            await using (var session = await database.ReadAsync())
            {
                page = await store.PageBetweenAsync(session, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), after, Page);
            }

            foreach (var entry in page)
            {
                yield return ToEntry(entry);
            }

            if (page.Count < Page)
            {
                yield break;
            }

            after = page[^1].Sequence;
        }
    }

    /// <summary>
    /// Re-hashes entries from before the keyed chain under the key (once, at start), after checking
    /// their unkeyed chain; the result is recorded as an entry of its own, so a legacy chain that was
    /// already broken stays evident.
    /// </summary>
    public async Task KeyLegacyEntriesAsync()
    {
        await using var session = await database.WriteAsync();
        await session.LockAsync(AuditStore.ChainLock);
        if (!await store.HasSchemeAsync(session, LegacyScheme))
        {
            return;
        }

        var entries = new List<StoredAuditEntry>();
        await foreach (var entry in store.ChainAsync(session))
        {
            entries.Add(entry);
        }

        long? brokenAt = null;
        var legacyPrevious = Genesis;
        var keyedPrevious = Genesis;
        foreach (var e in entries)
        {
            var scheme = e.HashScheme == LegacyScheme ? LegacyScheme : KeyedScheme;
            if (brokenAt is null && !string.Equals(Hash(scheme, scheme == LegacyScheme ? legacyPrevious : keyedPrevious, e), e.Hash, StringComparison.Ordinal))
            {
                brokenAt = e.Sequence;
            }

            legacyPrevious = e.Hash;
            keyedPrevious = Hash(KeyedScheme, keyedPrevious, e);
            await store.RehashAsync(session, e.Sequence, keyedPrevious, KeyedScheme);
        }

        await AppendAsync(session, "system:policy-service", "audit.chain-keyed", string.Empty,
            afterJson: AuditJson.Of(new { entries = entries.Count, unkeyedHead = entries[^1].Hash, unkeyedChainBrokenAt = brokenAt }));
        await session.CommitAsync();
    }

    /// <summary>The last entry's sequence and hash (0 and the genesis hash when the log is empty).</summary>
    public async Task<(ulong Sequence, string Hash)> HeadAsync()
    {
        await using var session = await database.ReadAsync();
        return await store.HeadAsync(session) is { } head ? ((ulong)head.Sequence, head.Hash) : (0, Genesis);
    }

    /// <summary>
    /// Walks the whole chain (in sequence order, streaming) and reports the first entry that does not
    /// verify, with each checkpoint's head compared on the way; checkpoints beyond the last entry mean
    /// the newest entries were removed.
    /// </summary>
    public async Task<ChainVerification> VerifyAsync(IReadOnlyList<(ulong Sequence, string HeadHash)> checkpoints)
    {
        var expectedHeads = checkpoints.GroupBy(c => c.Sequence).ToDictionary(g => g.Key, g => g.Select(c => c.HeadHash).ToList());
        var previous = Genesis;
        ulong checkedEntries = 0;
        long expectedSequence = 1;
        await using var session = await database.ReadAsync();
        await foreach (var e in store.ChainAsync(session))
        {
            var problem = e.Sequence != expectedSequence ? $"entry {expectedSequence} is missing"
                : e.HashScheme != KeyedScheme ? $"entry {e.Sequence} is not hashed under the audit key (scheme {e.HashScheme})"
                : !string.Equals(Hash(KeyedScheme, previous, e), e.Hash, StringComparison.Ordinal) ? $"entry {e.Sequence} does not match its hash"
                : expectedHeads.TryGetValue((ulong)e.Sequence, out var heads) && heads.Any(h => !string.Equals(h, e.Hash, StringComparison.Ordinal))
                    ? $"entry {e.Sequence} differs from a signed checkpoint"
                : null;
            if (problem is not null)
            {
                return ChainVerification.Broken((ulong)expectedSequence, checkedEntries, checkpoints.Count, problem);
            }

            previous = e.Hash;
            expectedSequence++;
            checkedEntries++;
        }

        if (checkpoints.Count > 0 && checkpoints.Max(c => c.Sequence) > checkedEntries)
        {
            return ChainVerification.Broken(checkedEntries + 1, checkedEntries, checkpoints.Count,
                $"a signed checkpoint covers {checkpoints.Max(c => c.Sequence)} entries but the log ends at {checkedEntries}: entries were removed");
        }

        return new ChainVerification(true, checkedEntries, 0, checkpoints.Count, string.Empty);
    }

    private static AuditRecord ToEntry(StoredAuditEntry e) =>
        new((ulong)e.Sequence, DateTimeOffset.FromUnixTimeMilliseconds(e.At), e.Actor, e.Action, e.Subject, e.BeforeJson, e.AfterJson, e.Hash);

    private string Hash(int scheme, string previous, StoredAuditEntry e) =>
        Hash(scheme, previous, e.Sequence, e.At, e.Actor, e.Action, e.Subject, e.BeforeJson, e.AfterJson);

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
