using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// The ingest pipeline's OpenTelemetry instruments (meter <see cref="MeterName"/>, scraped on /metrics).
/// No device ids in tags: a fleet of millions would make millions of series.
/// </summary>
public sealed class IngestMetrics
{
    public const string MeterName = "SmartTerminal.Ingest";

    private readonly Counter<long> _received;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _acknowledged;
    private readonly Counter<long> _resent;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _intakeFull;
    private readonly Counter<long> _writeFailures;
    private readonly Histogram<int> _batchPoints;
    private readonly Histogram<double> _writeSeconds;
    private readonly Histogram<double> _ackLagSeconds;
    private Func<IEnumerable<Measurement<int>>> _queues = () => [];
    private Func<int> _influxUp = () => 1;

    public IngestMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("smartterminal.ingest.uplinks.received", "{uplink}", "Uplinks accepted by the broker for ingestion");
        _stored = meter.CreateCounter<long>("smartterminal.ingest.uplinks.stored", "{uplink}", "Uplinks whose points InfluxDB stored");
        _acknowledged = meter.CreateCounter<long>("smartterminal.ingest.uplinks.acknowledged", "{uplink}", "Uplinks covered by an acknowledgement sent to their device");
        _resent = meter.CreateCounter<long>("smartterminal.ingest.uplinks.resent", "{uplink}", "Uplinks at or below their device's watermark (acknowledged again, not stored twice)");
        _quarantined = meter.CreateCounter<long>("smartterminal.ingest.uplinks.quarantined", "{uplink}", "Uplinks unreadable or with refused records, kept in the quarantine");
        _deadLettered = meter.CreateCounter<long>("smartterminal.ingest.uplinks.dead_lettered", "{uplink}", "Uplinks InfluxDB refused for good (4xx), kept in the quarantine with its reason");
        _throttled = meter.CreateCounter<long>("smartterminal.ingest.uplinks.throttled", "{uplink}", "Uplinks held back because their device was over its quota");
        _intakeFull = meter.CreateCounter<long>("smartterminal.ingest.intake.full", "{event}", "Times the intake queue was full and the broker had to wait (back-pressure)");
        _writeFailures = meter.CreateCounter<long>("smartterminal.ingest.influx.write_failures", "{write}", "Failed InfluxDB batch writes, retried");
        _batchPoints = meter.CreateHistogram<int>("smartterminal.ingest.batch.points", "{point}", "Points per InfluxDB write");
        _writeSeconds = meter.CreateHistogram<double>("smartterminal.ingest.influx.write.duration", "s", "InfluxDB write latency");
        _ackLagSeconds = meter.CreateHistogram<double>("smartterminal.ingest.ack.lag", "s", "From an uplink's arrival to its acknowledgement");
        meter.CreateObservableGauge("smartterminal.ingest.queue.depth", () => _queues(), "{item}", "Items waiting per pipeline stage");
        meter.CreateObservableGauge("smartterminal.ingest.influx.up", () => _influxUp(), description: "1 while InfluxDB takes writes, 0 during an outage");
    }

    /// <summary>Where the queue depths and InfluxDB's state are read from (the pipeline, once it runs).</summary>
    public void Observe(Func<IEnumerable<Measurement<int>>> queues, Func<bool> influxUp)
    {
        _queues = queues;
        _influxUp = () => influxUp() ? 1 : 0;
    }

    public void Received() => _received.Add(1);

    public void Throttled() => _throttled.Add(1);

    public void IntakeFull() => _intakeFull.Add(1);

    public void Resent() => _resent.Add(1);

    public void Quarantined() => _quarantined.Add(1);

    public void DeadLettered() => _deadLettered.Add(1);

    public void WriteFailed() => _writeFailures.Add(1);

    public void Written(int points, TimeSpan took)
    {
        _batchPoints.Record(points);
        _writeSeconds.Record(took.TotalSeconds);
    }

    public void Stored(int uplinks) => _stored.Add(uplinks);

    public void Acknowledged(long receivedTimestamp)
    {
        _acknowledged.Add(1);
        _ackLagSeconds.Record(Stopwatch.GetElapsedTime(receivedTimestamp).TotalSeconds);
    }
}
