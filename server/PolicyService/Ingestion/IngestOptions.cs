using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>How uplinks are batched, how many writes overlap, and how much one device may send.</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>A batch is written when it holds this many points...</summary>
    [Range(1, 100_000)]
    public int MaxBatchPoints { get; set; } = 5_000;

    /// <summary>...or when its first uplink has waited this long.</summary>
    [Range(1, 10_000)]
    public int MaxBatchDelayMilliseconds { get; set; } = 20;

    /// <summary>InfluxDB writes in flight at once (the round trip of one overlaps the filling of the next).</summary>
    [Range(1, 16)]
    public int WritesInFlight { get; set; } = 2;

    /// <summary>Uplinks received but not yet decoded; when full, the broker stops reading the senders (back-pressure, not loss).</summary>
    [Range(16, 1_000_000)]
    public int IntakeCapacity { get; set; } = 10_000;

    /// <summary>
    /// Uplinks per second one device may send on average (a device sends about 54 a day; an outbox
    /// flushed after a week offline sends a few hundred at once, which the burst covers).
    /// </summary>
    [Range(0.1, 100_000)]
    public double DeviceUplinksPerSecond { get; set; } = 20;

    /// <summary>Uplinks one device may send at once before its rate applies.</summary>
    [Range(1, 100_000)]
    public int DeviceBurst { get; set; } = 300;

    /// <summary>While InfluxDB is down, how often the outage is summarised in the log.</summary>
    [Range(1, 3600)]
    public int OutageLogSeconds { get; set; } = 30;
}
