using SmartTerminal.PolicyService.Broker.External;

namespace SmartTerminal.PolicyService.Tests.Hosting;

/// <summary>Which topics delivered on the shared subscription are uplinks, and of which device.</summary>
public sealed class ExternalBrokerTopicsTests
{
    [Theory]
    [InlineData("st/v1/st-0123456789abcdef/up", "st-0123456789abcdef")]
    [InlineData("st/v1//up", null)]
    [InlineData("st/v1/a/b/up", null)]
    [InlineData("st/v1/st-1/status", null)]
    [InlineData("st/v2/st-1/up", null)]
    [InlineData("$CONTROL/dynamic-security/v1/response", null)]
    public void The_device_of_an_uplink_is_the_middle_level_of_its_topic(string topic, string? deviceId) =>
        Assert.Equal(deviceId, ExternalBrokerConnection.DeviceOfUplink(topic));
}
