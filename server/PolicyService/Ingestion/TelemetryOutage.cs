using Microsoft.Extensions.Options;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Whether InfluxDB takes writes, logged as state changes (<see cref="RepeatedFailures"/>): when it went
/// down (with the first error), a summary every <see cref="IngestOptions.OutageLogSeconds"/> while it stays
/// down, and when it is back. One failing write per uplink used to log a stack trace each (58 MB a minute
/// with 10 devices).
/// </summary>
public sealed partial class TelemetryOutage(IOptions<IngestOptions> options, TimeProvider time, ILogger<TelemetryOutage> logger)
{
    private readonly RepeatedFailures _failures = new(TimeSpan.FromSeconds(options.Value.OutageLogSeconds), time);

    public bool IsDown => _failures.IsFailing;

    public void Failed(Exception error, int batchesWaiting)
    {
        var line = _failures.Failed();
        if (line.Kind == FailureLogKind.First)
        {
            LogDown(error.GetType().Name, error.Message, batchesWaiting);
        }
        else if (line.Kind == FailureLogKind.Summary)
        {
            LogStillDown(line.Since, line.Count, batchesWaiting);
        }
    }

    public void Succeeded()
    {
        if (_failures.Succeeded() is { } run)
        {
            LogBack(run.Lasted, run.Failures);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "InfluxDB writes fail ({Error}: {Message}); {Batches} batches held and retried, nothing of them acknowledged; intake slows down until InfluxDB is back")]
    private partial void LogDown(string error, string message, int batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB still failing since {Since:O} ({Failures} failed writes since the last report); {Batches} batches held")]
    private partial void LogStillDown(DateTimeOffset since, long failures, int batches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "InfluxDB writes succeed again after {Outage} ({Failures} failed writes)")]
    private partial void LogBack(TimeSpan outage, long failures);
}
