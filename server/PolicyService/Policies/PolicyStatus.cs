using SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Where a device stands with its policy: the version the service wants, the one the device last
/// acknowledged, and the refusal it reported since it last caught up (null when none).
/// </summary>
public sealed record DevicePolicyStatus(
    string DeviceId, ulong DesiredVersion, DateTimeOffset DesiredSince, ulong ReportedVersion, DateTimeOffset? LastReportAt, PolicyRefusal? LastRefusal);

/// <summary>The phases of a rollout; the numbers are the ones stored (and the API's RolloutState values).</summary>
public enum RolloutPhase
{
    Queued = 1,
    InProgress = 2,
    Completed = 3,
    Failed = 4,
}

/// <summary>
/// A rollout's progress: devices to publish, published so far, and acknowledged since it started; the
/// model it is limited to (empty: the fleet), the devices it could not publish, and the baseline
/// revision that started it (0 when a profile change did).
/// </summary>
public sealed record RolloutProgress(
    string Id, string FleetId, int TotalDevices, int PublishedDevices, int AcknowledgedDevices, RolloutPhase Phase, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt,
    string ModelId = "", int FailedDevices = 0, ulong BaselineRevision = 0);

/// <summary>The policy version a device says it enforces (a heartbeat or PolicyAck), and the refusal it reports (None when it applied it).</summary>
public readonly record struct PolicyReport(ulong Sequence, ulong AppliedVersion, PolicyRefusal Refusal, DateTimeOffset At);
