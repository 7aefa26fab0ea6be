using InfluxDB.Client.Core.Exceptions;
using SmartTerminal.PolicyService.Ingestion;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>Which InfluxDB failures dead-letter an uplink and which are waited out.</summary>
public sealed class InfluxFailuresTests
{
    [Theory]
    [InlineData(400, true)]
    [InlineData(404, true)]
    [InlineData(413, true)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(408, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public void Only_a_4xx_that_would_repeat_is_a_refusal(int status, bool refusal)
    {
        var failure = new HttpException("partial write: points beyond retention policy dropped=1", status);

        Assert.Equal(refusal, InfluxFailures.IsRefusal(failure));
        Assert.Equal(!refusal, InfluxFailures.IsTransient(failure));
    }

    [Fact]
    public void A_timeout_or_a_lost_connection_is_waited_out()
    {
        using var timedOut = new CancellationTokenSource();
        timedOut.Cancel();

        Assert.True(InfluxFailures.IsTransient(new TaskCanceledException("timeout", new TimeoutException(), timedOut.Token)));
        Assert.True(InfluxFailures.IsTransient(new HttpRequestException("connection refused")));
    }

    [Fact]
    public void The_reason_kept_with_a_dead_letter_is_bounded()
    {
        var reason = InfluxFailures.Reason(new HttpException(new string('x', 5_000), 400));

        Assert.Equal(500, reason.Length);
        Assert.StartsWith("InfluxDB refused the write (400)", reason, StringComparison.Ordinal);
    }
}
