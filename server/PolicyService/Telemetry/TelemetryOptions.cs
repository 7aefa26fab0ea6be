using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>What the service accepts from devices and how much of what it refuses it keeps.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Oldest record time accepted, in days before now (a device may be offline for weeks; its outbox
    /// keeps the data and merges it when full). Older records are quarantined, not written.
    /// </summary>
    [Range(1, 3660)]
    public int MaxRecordAgeDays { get; set; } = 90;

    /// <summary>
    /// How far ahead of the service's clock a record may be. A device's trusted time drifts only a
    /// little, but device hosts run accelerated virtual time for demos and tests; a day keeps that working
    /// while the window (with <see cref="MaxRecordAgeDays"/>) still bounds the shards one device can touch.
    /// </summary>
    [Range(1, 7 * 24 * 60)]
    public int MaxRecordAheadMinutes { get; set; } = 24 * 60;

    /// <summary>Unreadable or refused uplinks kept per device; beyond this they are only counted.</summary>
    [Range(0, 100_000)]
    public int QuarantineEntriesPerDevice { get; set; } = 50;

    /// <summary>Bytes of quarantined uplinks kept per device; beyond this they are only counted.</summary>
    [Range(0, 100_000_000)]
    public int QuarantineBytesPerDevice { get; set; } = 256 * 1024;
}
