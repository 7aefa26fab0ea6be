namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>One audit entry as stored.</summary>
public sealed record StoredAuditEntry(long Sequence, long At, string Actor, string Action, string Subject, string BeforeJson, string AfterJson, string Hash, long HashScheme)
{
    // For Dapper (see StateSession).
    private StoredAuditEntry()
        : this(default!, default!, default!, default!, default!, default!, default!, default!, default!)
    {
    }
}

/// <summary>A signed checkpoint of the chain's head as stored.</summary>
public sealed record StoredCheckpoint(long Sequence, string HeadHash, long At, byte[] Signature)
{
    // For Dapper (see StateSession).
    private StoredCheckpoint()
        : this(default!, default!, default!, default!)
    {
    }
}

/// <summary>
/// The hash-chained audit log and its signed checkpoints (the <c>audit_log</c> and
/// <c>audit_checkpoints</c> tables). Appending reads the head under the chain's lock, so that two
/// writers, in one process or in several, never chain onto the same entry.
/// </summary>
public sealed class AuditStore
{
    public const string ChainLock = "audit-chain";
    private const string Columns = "sequence, at, actor, action, subject, before_json, after_json, hash, hash_scheme";

    /// <summary>Locks the chain until the session's transaction ends and returns its head (null when empty).</summary>
    public async Task<(long Sequence, string Hash)?> LockHeadAsync(StateSession session)
    {
        await session.LockAsync(ChainLock);
        return await HeadAsync(session);
    }

    public async Task<(long Sequence, string Hash)?> HeadAsync(StateSession session) =>
        await session.QueryFirstOrDefaultAsync<HeadRow>("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1") is { } head
            ? (head.Sequence, head.Hash)
            : null;

    public Task InsertAsync(StateSession session, StoredAuditEntry entry) =>
        session.ExecuteAsync($"INSERT INTO audit_log ({Columns}) VALUES (@Sequence, @At, @Actor, @Action, @Subject, @BeforeJson, @AfterJson, @Hash, @HashScheme)", entry);

    /// <summary>Up to limit entries after a sequence, of one subject or (subject empty) of all.</summary>
    public Task<IReadOnlyList<StoredAuditEntry>> PageAsync(StateSession session, string subject, long afterSequence, int limit) =>
        session.QueryAsync<StoredAuditEntry>(
            $"SELECT {Columns} FROM audit_log WHERE sequence > @afterSequence AND (@subject = '' OR subject = @subject) ORDER BY sequence LIMIT @limit",
            new { subject, afterSequence, limit = (long)limit });

    /// <summary>
    /// The newest entries of one subject with one of the given actions written in [from, to) (Unix ms),
    /// newest first, at most limit. The actions are the caller's constants, never user input.
    /// </summary>
    public Task<IReadOnlyList<StoredAuditEntry>> NewestOfSubjectAsync(StateSession session, string subject, IReadOnlyCollection<string> actions, long from, long to, int limit) =>
        session.QueryAsync<StoredAuditEntry>(
            $"SELECT {Columns} FROM audit_log WHERE subject = @subject AND action IN ({string.Join(", ", actions.Select(a => $"'{a.Replace("'", "''", StringComparison.Ordinal)}'"))}) AND at >= @from AND at < @to ORDER BY sequence DESC LIMIT @limit",
            new { subject, from, to, limit = (long)limit });

    /// <summary>Up to limit entries after a sequence written in [from, to) (Unix ms).</summary>
    public Task<IReadOnlyList<StoredAuditEntry>> PageBetweenAsync(StateSession session, long from, long to, long afterSequence, int limit) =>
        session.QueryAsync<StoredAuditEntry>(
            $"SELECT {Columns} FROM audit_log WHERE sequence > @afterSequence AND at >= @from AND at < @to ORDER BY sequence LIMIT @limit",
            new { from, to, afterSequence, limit = (long)limit });

    /// <summary>The whole chain in sequence order, streamed.</summary>
    public IAsyncEnumerable<StoredAuditEntry> ChainAsync(StateSession session) =>
        session.StreamAsync<StoredAuditEntry>($"SELECT {Columns} FROM audit_log ORDER BY sequence");

    public async Task<bool> HasSchemeAsync(StateSession session, long scheme) =>
        await session.ScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE hash_scheme = @scheme", new { scheme }) > 0;

    public Task RehashAsync(StateSession session, long sequence, string hash, long scheme) =>
        session.ExecuteAsync("UPDATE audit_log SET hash = @hash, hash_scheme = @scheme WHERE sequence = @sequence", new { sequence, hash, scheme });

    /// <summary>Stores a checkpoint unless one for that sequence exists.</summary>
    public Task InsertCheckpointAsync(StateSession session, StoredCheckpoint checkpoint) =>
        session.ExecuteAsync(
            "INSERT INTO audit_checkpoints (sequence, head_hash, at, signature) VALUES (@Sequence, @HeadHash, @At, @Signature) ON CONFLICT (sequence) DO NOTHING",
            checkpoint);

    public Task<IReadOnlyList<StoredCheckpoint>> CheckpointsAfterAsync(StateSession session, long afterSequence) =>
        session.QueryAsync<StoredCheckpoint>(
            "SELECT sequence, head_hash, at, signature FROM audit_checkpoints WHERE sequence > @afterSequence ORDER BY sequence", new { afterSequence });

    private sealed record HeadRow(long Sequence, string Hash)
    {
        // For Dapper (see StateSession).
        private HeadRow()
            : this(default!, default!)
        {
        }
    }
}
