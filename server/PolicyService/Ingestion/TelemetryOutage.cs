using Microsoft.Extensions.Options;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Whether InfluxDB takes writes, logged as state changes: when it went down (with the first error),
/// a summary every <see cref="IngestOptions.OutageLogSeconds"/> while it stays down, and when it is
/// back. One failing write per uplink used to log a stack trace each (58 MB a minute with 10 devices).
/// </summary>
public sealed partial class TelemetryOutage(IOptions<IngestOptions> options, TimeProvider time, ILogger<TelemetryOutage> logger)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _downSince;
    private DateTimeOffset _lastSummary;
    private long _failures;

    public bool IsDown
    {
        get
        {
            lock (_gate)
            {
                return _downSince is not null;
            }
        }
    }

    public void Failed(Exception error, int batchesWaiting)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _failures++;
            if (_downSince is null)
            {
                _downSince = now;
                _lastSummary = now;
                LogDown(error.GetType().Name, error.Message, batchesWaiting);
            }
            else if (now - _lastSummary >= TimeSpan.FromSeconds(options.Value.OutageLogSeconds))
            {
                _lastSummary = now;
                LogStillDown(_downSince.Value, _failures, batchesWaiting);
            }
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            if (_downSince is { } since)
            {
                LogBack(time.GetUtcNow() - since, _failures);
                _downSince = null;
                _failures = 0;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB writes fail ({Error}: {Message}); {Batches} batches held and retried, nothing of them acknowledged; intake slows down until InfluxDB is back")]
    private partial void LogDown(string error, string message, int batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB still failing since {Since:O} ({Failures} failed writes); {Batches} batches held")]
    private partial void LogStillDown(DateTimeOffset since, long failures, int batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB writes succeed again after {Outage} ({Failures} failed writes)")]
    private partial void LogBack(TimeSpan outage, long failures);
}
