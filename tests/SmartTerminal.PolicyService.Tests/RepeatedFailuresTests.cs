using Microsoft.Extensions.Time.Testing;
using SmartTerminal.PolicyService.Ingestion;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>A run of failures logs its first one, a summary per interval, and its end; not one line per failure.</summary>
public sealed class RepeatedFailuresTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_minute_of_failures_gives_a_first_line_a_summary_per_interval_and_one_recovery()
    {
        var failures = new RepeatedFailures(TimeSpan.FromSeconds(30), _time);
        var lines = new List<FailureLogLine>();
        for (var second = 0; second < 60; second++)
        {
            for (var i = 0; i < 100; i++)
            {
                lines.Add(failures.Failed());
            }

            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var recovered = failures.Succeeded();

        // 6,000 failures in a minute: two lines (the first, and at 30 s a summary of the 3,000 since), then the recovery.
        Assert.Equal(FailureLogKind.First, lines[0].Kind);
        var summary = Assert.Single(lines, l => l.Kind == FailureLogKind.Summary);
        Assert.Equal(3_000, summary.Count);
        Assert.Equal(2, lines.Count(l => l.Kind != FailureLogKind.None));
        Assert.Equal(6_000, recovered!.Value.Failures);
        Assert.Equal(TimeSpan.FromSeconds(60), recovered.Value.Lasted);
        Assert.Null(failures.Succeeded());
    }

    [Fact]
    public void A_new_run_after_a_recovery_logs_its_first_failure_again()
    {
        var failures = new RepeatedFailures(TimeSpan.FromSeconds(30), _time);
        failures.Failed();
        failures.Failed();
        failures.Succeeded();

        Assert.Equal(FailureLogKind.First, failures.Failed().Kind);
    }
}
