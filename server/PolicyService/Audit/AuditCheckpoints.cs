using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>
/// Signed checkpoints of the audit chain's head: "the first N entries hash to H", signed with the
/// audit signing key. Made every <see cref="AuditOptions.CheckpointMinutes"/> when the head moved, and
/// whenever an auditor asks for them; an auditor keeps them outside the service and hands them back
/// to VerifyAuditChain, so a log cut short (the newest rows deleted, with the stored checkpoints)
/// no longer verifies. The public key in <see cref="AuditKeys.PublicKeyPem"/> checks them anywhere.
/// </summary>
public sealed partial class AuditCheckpoints(Database database, AuditLog audit, AuditKeys keys, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditCheckpoints> logger) : PeriodicWork
{
    public string PublicKeyPem => keys.PublicKeyPem;

    /// <summary>The bytes a checkpoint's signature covers.</summary>
    public static byte[] Statement(ulong sequence, string headHash, long atUnixMs) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"smartterminal-audit-checkpoint/v1\n{sequence}\n{headHash}\n{atUnixMs}"));

    /// <summary>Signs the current head unless a checkpoint already covers it; null while the log is empty.</summary>
    public AuditCheckpoint? SignHead()
    {
        var (sequence, hash) = audit.Head();
        if (sequence == 0)
        {
            return null;
        }

        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var connection = database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO audit_checkpoints (sequence, head_hash, at, signature) VALUES ($s, $h, $at, $sig) ON CONFLICT (sequence) DO NOTHING";
        insert.Parameters.AddWithValue("$s", (long)sequence);
        insert.Parameters.AddWithValue("$h", hash);
        insert.Parameters.AddWithValue("$at", at);
        insert.Parameters.AddWithValue("$sig", keys.Sign(Statement(sequence, hash, at)));
        insert.ExecuteNonQuery();
        return List(sequence - 1).FirstOrDefault();
    }

    public IReadOnlyList<AuditCheckpoint> List(ulong afterSequence)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, head_hash, at, signature FROM audit_checkpoints WHERE sequence > $after ORDER BY sequence";
        command.Parameters.AddWithValue("$after", (long)afterSequence);
        using var reader = command.ExecuteReader();
        var checkpoints = new List<AuditCheckpoint>();
        while (reader.Read())
        {
            checkpoints.Add(new AuditCheckpoint
            {
                Sequence = (ulong)reader.GetInt64(0),
                HeadHash = reader.GetString(1),
                At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))),
                Signature = Google.Protobuf.ByteString.CopyFrom((byte[])reader[3]),
            });
        }

        return checkpoints;
    }

    public bool IsSigned(AuditCheckpoint checkpoint) =>
        checkpoint.At is not null
        && keys.Verify(Statement(checkpoint.Sequence, checkpoint.HeadHash, checkpoint.At.ToDateTimeOffset().ToUnixTimeMilliseconds()), checkpoint.Signature.ToByteArray());

    /// <summary>
    /// Verifies the chain against the stored checkpoints and the ones an auditor kept: each must be
    /// signed by the audit key, and the chain must reach and match every one.
    /// </summary>
    public VerifyAuditChainResponse Verify(IEnumerable<AuditCheckpoint> kept)
    {
        var all = List(0).Concat(kept).ToList();
        if (all.FirstOrDefault(c => !IsSigned(c)) is { } forged)
        {
            return new VerifyAuditChainResponse
            {
                FirstBrokenSequence = forged.Sequence,
                CheckpointsChecked = (uint)all.Count,
                Problem = $"the checkpoint for entry {forged.Sequence} is not signed by this service's audit key",
            };
        }

        return audit.Verify(all.Select(c => (c.Sequence, c.HeadHash)).ToList());
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before anything is appended under the key: entries of the unkeyed chain get keyed hashes.
        audit.KeyLegacyEntries();
        return base.StartAsync(cancellationToken);
    }

    protected override TimeSpan Interval => TimeSpan.FromMinutes(options.Value.CheckpointMinutes);

    protected override void RunOnce() => TrySignHead();

    private void TrySignHead()
    {
        try
        {
            SignHead();
        }
        catch (Exception e)
        {
            LogCheckpointFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signing an audit checkpoint failed; the next interval tries again")]
    private partial void LogCheckpointFailed(Exception exception);
}
