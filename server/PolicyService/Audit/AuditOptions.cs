using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>The audit log's keys, checkpoints and the aggregation of refused attempts.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>
    /// Refused attempts on others' data are written at once the first time in a window (per actor,
    /// resource and reason) and then counted; the counts are written when the window ends.
    /// </summary>
    [Range(1, 3600)]
    public int DenialWindowSeconds { get; set; } = 60;

    /// <summary>Distinct resources written at once per actor and window; further ones are aggregated.</summary>
    [Range(1, 1000)]
    public int DenialResourcesPerWindow { get; set; } = 20;

    /// <summary>
    /// Folder of the chain and checkpoint keys (audit-chain.key, audit-signing.key); empty for the data
    /// directory. In production, a folder the database host does not share (a mounted secret).
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>How often the head of the chain is signed into a checkpoint when it has moved.</summary>
    [Range(1, 24 * 60)]
    public int CheckpointMinutes { get; set; } = 5;
}
