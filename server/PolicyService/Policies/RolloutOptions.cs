using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>How rollouts are cut into batches and worked through by the replicas (the <c>Rollouts</c> section).</summary>
public sealed class RolloutOptions
{
    public const string Section = "Rollouts";

    /// <summary>Devices republished per batch (one claim, one transaction of new versions).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How long a claimed batch is the claimer's: when a replica dies or stalls longer, another takes the
    /// batch over (with a newer fencing token) and the first one's completion is refused. Longer than a
    /// batch takes, with room for a slow database.
    /// </summary>
    [Range(1, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often an idle replica looks for batches other replicas queued (its own start at once).</summary>
    [Range(0.05, 600)]
    public double PollSeconds { get; set; } = 2;

    /// <summary>
    /// Devices per second each replica republishes at most (0: as fast as it can), to spread a fleet's
    /// new policies and the acknowledgements that follow over time, like a staged rollout.
    /// </summary>
    [Range(0, 1_000_000)]
    public int DevicesPerSecond { get; set; }

    /// <summary>Claims of one batch before it is given up and its devices counted as failed (a batch that keeps failing).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;
}
