using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmartTerminal.PolicyService.Ingestion;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>The per-device token bucket: a burst at once, then the rate; one device's debt is its own.</summary>
public sealed class DeviceQuotaTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly DeviceQuota _quota;

    public DeviceQuotaTests() =>
        _quota = new DeviceQuota(Options.Create(new IngestOptions { DeviceUplinksPerSecond = 2, DeviceBurst = 3 }), _time);

    [Fact]
    public void A_burst_passes_then_each_uplink_waits_its_share_of_the_rate()
    {
        var waits = Enumerable.Range(0, 6).Select(_ => _quota.Reserve("st-flood").TotalSeconds).ToList();

        Assert.Equal([0, 0, 0, 0.5, 1.0, 1.5], waits);
    }

    [Fact]
    public void On_a_shared_connection_uplinks_over_the_quota_are_passed_over_without_taking_tokens()
    {
        var taken = Enumerable.Range(0, 6).Select(_ => _quota.TryTake("st-flood")).ToList();

        Assert.Equal([true, true, true, false, false, false], taken);
        Assert.True(_quota.TryTake("st-quiet"));
        // Refusals cost the device nothing: half a second later exactly one token is back.
        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(_quota.TryTake("st-flood"));
        Assert.False(_quota.TryTake("st-flood"));
    }

    [Fact]
    public void A_flooding_device_does_not_delay_another()
    {
        for (var i = 0; i < 100; i++)
        {
            _quota.Reserve("st-flood");
        }

        Assert.Equal(TimeSpan.Zero, _quota.Reserve("st-quiet"));
        Assert.True(_quota.Reserve("st-flood") > TimeSpan.FromSeconds(40));
    }

    [Fact]
    public void Tokens_come_back_with_time_up_to_the_burst()
    {
        for (var i = 0; i < 3; i++)
        {
            _quota.Reserve("st-1");
        }

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal([0, 0, 0, 0.5], Enumerable.Range(0, 4).Select(_ => _quota.Reserve("st-1").TotalSeconds));
    }
}
