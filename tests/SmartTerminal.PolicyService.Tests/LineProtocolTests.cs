using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>The line protocol the service writes: what InfluxDB.Client's PointData writes, and no line a device can forge.</summary>
public sealed class LineProtocolTests
{
    [Theory]
    [InlineData("1.2.0")]
    [InlineData("a \"quoted\" build, with = and \\ in it")]
    [InlineData("")]
    public void A_point_is_the_text_PointData_writes(string firmware)
    {
        var ours = new LineProtocol().Point("heartbeat").Tag("device", "st-1").Tag("fleet", "fl 2,x=y")
            .Field("clock_state", 2).Field("firmware", firmware).Timestamp(1_780_000_000_123_456_789).ToString();
        var client = PointData.Measurement("heartbeat").Tag("fleet", "fl 2,x=y").Tag("device", "st-1")
            .Field("firmware", firmware).Field("clock_state", 2L).Timestamp(1_780_000_000_123_456_789, WritePrecision.Ns).ToLineProtocol();

        Assert.Equal(client, ours);
    }

    [Fact]
    public void A_line_break_in_device_text_cannot_start_a_point_of_its_own()
    {
        var text = new LineProtocol().Point("heartbeat").Tag("device", "st-1")
            .Field("firmware", "1.0\nusage,device=st-victim used_seconds=86400i 1").Timestamp(1).ToString();

        Assert.DoesNotContain('\n', text);
        Assert.Contains("\\nusage", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_points_are_one_per_line()
    {
        var lines = new LineProtocol();
        lines.Point("usage").Tag("device", "a").Field("used_seconds", 1).Timestamp(1);
        lines.Point("usage").Tag("device", "b").Field("used_seconds", 2).Timestamp(2);

        Assert.Equal(2, lines.Count);
        Assert.Equal("usage,device=a used_seconds=1i 1\nusage,device=b used_seconds=2i 2", lines.ToString());
    }
}
