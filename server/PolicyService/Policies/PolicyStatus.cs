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

/// <summary>
/// The policy version a device says it enforces (a heartbeat or PolicyAck), the refusal it reports (None
/// when it applied it), and the firmware version a heartbeat names (null when none or not a version).
/// </summary>
public readonly record struct PolicyReport(ulong Sequence, ulong AppliedVersion, PolicyRefusal Refusal, DateTimeOffset At, string? Firmware = null)
{
    /// <summary>Longest firmware version kept.</summary>
    public const int MaxFirmwareLength = 32;

    /// <summary>
    /// A firmware version as the device sent it, if it looks like one (letters, digits, '.', '-', '+',
    /// '_', at most 32): a device's text goes on manufacturers' pages and into one group per value.
    /// </summary>
    public static string? FirmwareOf(string? reported)
    {
        var value = reported?.Trim();
        return string.IsNullOrEmpty(value) || value.Length > MaxFirmwareLength || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' or '_')
            ? null
            : value;
    }
}
