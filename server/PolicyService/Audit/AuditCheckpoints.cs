using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>
/// Signed checkpoints of the audit chain's head: "the first N entries hash to H", signed with the
/// audit signing key. Made every <see cref="AuditOptions.CheckpointMinutes"/> when the head moved, and
/// whenever an auditor asks for them; an auditor keeps them outside the service and hands them back
/// to VerifyAuditChain, so a log cut short (the newest rows deleted, with the stored checkpoints)
/// no longer verifies. The public key in <see cref="AuditKeys.PublicKeyPem"/> checks them anywhere.
/// </summary>
public sealed partial class AuditCheckpoints(StateDatabase database, AuditStore store, AuditLog audit, AuditKeys keys, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditCheckpoints> logger) : PeriodicWork
{
    public string PublicKeyPem => keys.PublicKeyPem;

    /// <summary>The bytes a checkpoint's signature covers.</summary>
    public static byte[] Statement(ulong sequence, string headHash, long atUnixMs) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"smartterminal-audit-checkpoint/v1\n{sequence}\n{headHash}\n{atUnixMs}"));

    /// <summary>Signs the current head unless a checkpoint already covers it; null while the log is empty.</summary>
    public async Task<SignedCheckpoint?> SignHeadAsync()
    {
        var (sequence, hash) = await audit.HeadAsync();
        if (sequence == 0)
        {
            return null;
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using (var session = await database.WriteAsync())
        {
            await store.InsertCheckpointAsync(session, new StoredCheckpoint((long)sequence, hash, at, keys.Sign(Statement(sequence, hash, at))));
            await session.CommitAsync();
        }

        return (await ListAsync(sequence - 1)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<SignedCheckpoint>> ListAsync(ulong afterSequence)
    {
        await using var session = await database.ReadAsync();
        return [.. (await store.CheckpointsAfterAsync(session, (long)afterSequence))
            .Select(c => new SignedCheckpoint((ulong)c.Sequence, c.HeadHash, DateTimeOffset.FromUnixTimeMilliseconds(c.At), c.Signature))];
    }

    public bool IsSigned(SignedCheckpoint checkpoint) =>
        checkpoint.At is { } at && keys.Verify(Statement(checkpoint.Sequence, checkpoint.HeadHash, at.ToUnixTimeMilliseconds()), checkpoint.Signature);

    /// <summary>
    /// Verifies the chain against the stored checkpoints and the ones an auditor kept: each must be
    /// signed by the audit key, and the chain must reach and match every one.
    /// </summary>
    public async Task<ChainVerification> VerifyAsync(IEnumerable<SignedCheckpoint> kept)
    {
        var all = (await ListAsync(0)).Concat(kept).ToList();
        if (all.FirstOrDefault(c => !IsSigned(c)) is { } forged)
        {
            return ChainVerification.Broken(forged.Sequence, 0, all.Count, $"the checkpoint for entry {forged.Sequence} is not signed by this service's audit key");
        }

        return await audit.VerifyAsync(all.Select(c => (c.Sequence, c.HeadHash)).ToList());
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before anything is appended under the key: entries of the unkeyed chain get keyed hashes.
        await audit.KeyLegacyEntriesAsync();
        await base.StartAsync(cancellationToken);
    }

    protected override TimeSpan Interval => TimeSpan.FromMinutes(options.Value.CheckpointMinutes);

    protected override Task RunOnceAsync() => TrySignHeadAsync();

    private async Task TrySignHeadAsync()
    {
        try
        {
            await SignHeadAsync();
        }
        catch (Exception e)
        {
            LogCheckpointFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signing an audit checkpoint failed; the next interval tries again")]
    private partial void LogCheckpointFailed(Exception exception);
}
