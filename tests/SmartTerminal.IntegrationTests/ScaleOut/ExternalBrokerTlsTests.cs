using System.Buffers;
using System.Net;
using MQTTnet;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// The service on an external broker over TLS only (mqtts, Mosquitto with a certificate from a test
/// authority): it connects, provisions devices and publishes their policies when it trusts the broker's
/// authority (Broker:External:CaCertificatePath), and refuses to talk to a broker whose certificate
/// another authority signed (a broker in the middle), staying not ready.
/// </summary>
public sealed class ExternalBrokerTlsTests : IAsyncLifetime
{
    private readonly TestCertificateAuthority _authority = new("SmartTerminal test broker CA");
    private readonly TestCertificateAuthority _stranger = new("Somebody else's CA");
    private readonly string _folder = Directory.CreateTempSubdirectory("st-tls-").FullName;
    private DynamicSecurityBroker _broker = null!;
    private TelemetryStack _stack = null!;

    public async Task InitializeAsync()
    {
        _broker = await DynamicSecurityBroker.StartAsync(tls: _authority);
        try
        {
            _stack = await TelemetryStack.StartAsync(minimumGroupSize: 2, _broker.ServiceSettings());
        }
        catch
        {
            await _broker.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _stack.DisposeAsync();
        await _broker.DisposeAsync();
        _authority.Dispose();
        _stranger.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Over_TLS_the_service_provisions_a_device_whose_policy_arrives_through_the_broker()
    {
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(20), async () => await _stack.Service.ReadinessAsync() == HttpStatusCode.OK), "not ready over TLS:\n" + _stack.Service.Output);
        var fleet = await FleetScenario.CreateAsync(_stack.Service, profile: "none");
        var registered = await fleet.RegisterAsync();
        Assert.Contains(registered.DeviceId, await _broker.ClientNamesAsync());

        // The device pins the broker certificate's authority, as devices are provisioned to.
        using var client = new MqttClientFactory().CreateMqttClient();
        var received = new TaskCompletionSource<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("localhost", _broker.Port).WithClientId(registered.DeviceId)
            .WithCredentials(registered.DeviceId, registered.MqttPassword)
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost("localhost").WithTrustChain([_authority.Certificate]))
            .Build());
        await client.SubscribeAsync($"st/v1/{registered.DeviceId}/policy");
        var policy = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        FleetScenario.VerifyOnDevice(registered, policy.Payload.ToArray());
    }

    [Fact]
    public async Task A_broker_whose_certificate_another_authority_signed_is_refused()
    {
        var settings = new Dictionary<string, string>(_broker.ServiceSettings("policy-service-mitm"))
        {
            ["Broker:External:CaCertificatePath"] = _stranger.WriteCertificate(_folder),
        };
        await using var service = await PolicyServiceProcess.StartAliveAsync(settings);

        Assert.False(
            await Eventually.TrueWithin(TimeSpan.FromSeconds(8), async () => await service.ReadinessAsync() == HttpStatusCode.OK),
            "ready on a broker it must not trust");
        Assert.Contains("The remote certificate was rejected", service.Output, StringComparison.Ordinal);
    }
}
