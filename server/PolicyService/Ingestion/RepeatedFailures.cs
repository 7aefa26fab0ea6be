namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Decides which of a run of identical failures is worth a log line: the first one (with its exception),
/// then one summary per interval with how many were left out, and the recovery with the total. A state
/// database that stays locked for a minute would otherwise log a stack trace for every uplink.
/// </summary>
public sealed class RepeatedFailures(TimeSpan interval, TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _since;
    private DateTimeOffset _lastLogged;
    private long _total;
    private long _unlogged;

    /// <summary>True from a failure until the next success.</summary>
    public bool IsFailing
    {
        get
        {
            lock (_gate)
            {
                return _since is not null;
            }
        }
    }

    /// <summary>What to log for one more failure.</summary>
    public FailureLogLine Failed()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _total++;
            if (_since is null)
            {
                (_since, _lastLogged) = (now, now);
                return new FailureLogLine(FailureLogKind.First, 1, now);
            }

            if (now - _lastLogged >= interval)
            {
                _lastLogged = now;
                var left = _unlogged;
                _unlogged = 0;
                return new FailureLogLine(FailureLogKind.Summary, left + 1, _since.Value);
            }

            _unlogged++;
            return new FailureLogLine(FailureLogKind.None, 0, _since.Value);
        }
    }

    /// <summary>A success: the run of failures (if any) is over; its total, or null when there was none.</summary>
    public (long Failures, TimeSpan Lasted)? Succeeded()
    {
        lock (_gate)
        {
            if (_since is not { } since)
            {
                return null;
            }

            var run = (_total, time.GetUtcNow() - since);
            (_since, _total, _unlogged) = (null, 0, 0);
            return run;
        }
    }
}

/// <summary>Which line a failure gets.</summary>
public enum FailureLogKind
{
    /// <summary>Left out (counted in the next summary).</summary>
    None,

    /// <summary>The first of a run: logged with its exception.</summary>
    First,

    /// <summary>A summary: this many since the last line, the run going on since <see cref="FailureLogLine.Since"/>.</summary>
    Summary,
}

public readonly record struct FailureLogLine(FailureLogKind Kind, long Count, DateTimeOffset Since);
