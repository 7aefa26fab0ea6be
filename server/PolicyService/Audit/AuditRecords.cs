namespace SmartTerminal.PolicyService.Audit;

/// <summary>One entry of the audit chain, with the hash that links it to the one before.</summary>
public sealed record AuditRecord(ulong Sequence, DateTimeOffset At, string Actor, string Action, string Subject, string BeforeJson, string AfterJson, string Hash);

/// <summary>"The first <paramref name="Sequence"/> entries hash to <paramref name="HeadHash"/>", signed; At is null in a malformed copy handed back.</summary>
public sealed record SignedCheckpoint(ulong Sequence, string HeadHash, DateTimeOffset? At, byte[] Signature);

/// <summary>The result of walking the chain: intact, or the first entry that does not verify and why.</summary>
public sealed record ChainVerification(bool Intact, ulong EntriesChecked, ulong FirstBrokenSequence, int CheckpointsChecked, string Problem)
{
    public static ChainVerification Broken(ulong firstBroken, ulong entriesChecked, int checkpointsChecked, string problem) =>
        new(false, entriesChecked, firstBroken, checkpointsChecked, problem);
}
