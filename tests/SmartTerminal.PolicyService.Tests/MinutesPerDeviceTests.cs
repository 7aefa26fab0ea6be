using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>The group statistics of compliance reports: count, mean and nearest-rank 95th percentile.</summary>
public sealed class MinutesPerDeviceTests
{
    [Fact]
    public void Twenty_devices_have_their_nineteenth_value_as_95th_percentile()
    {
        var stats = MinutesPerDevice.Of(Enumerable.Range(1, 20).Select(i => (double)i).Reverse());

        Assert.Equal(new MinutesPerDevice(20, 10.5, 19), stats);
    }

    [Fact]
    public void One_device_is_its_own_mean_and_percentile_rounded_to_two_decimals()
    {
        Assert.Equal(new MinutesPerDevice(1, 33.33, 33.33), MinutesPerDevice.Of([100.0 / 3]));
    }

    [Fact]
    public void No_devices_give_an_empty_group()
    {
        Assert.Equal(0, MinutesPerDevice.Of([]).Devices);
    }
}
