using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartTerminal.Testing;

/// <summary>An MQTTnet 5 client for tests that records every message it receives.</summary>
public sealed class MqttTestClient : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private MqttTestClient(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    public ConcurrentQueue<MqttApplicationMessage> Received { get; } = new();

    public IMqttClient Client => _client;

    public static async Task<MqttTestClient> ConnectAsync(int port, string clientId, string userName, string password, string? pinnedCertificateThumbprint = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithCredentials(userName, password)
            .WithCleanSession();
        if (pinnedCertificateThumbprint is not null)
        {
            // Devices pin the broker certificate provisioned in their configuration.
            builder.WithTlsOptions(tls => tls.UseTls().WithCertificateValidationHandler(e =>
                string.Equals(new System.Security.Cryptography.X509Certificates.X509Certificate2(e.Certificate).Thumbprint, pinnedCertificateThumbprint, StringComparison.OrdinalIgnoreCase)));
        }

        await client.ConnectAsync(builder.Build());
        return new MqttTestClient(client);
    }

    /// <summary>Connects and returns the broker's CONNACK reason instead of throwing on refusal.</summary>
    public static async Task<MqttClientConnectResultCode> TryConnectAsync(int port, string clientId, string? userName, string? password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId);
        if (userName is not null)
        {
            builder.WithCredentials(userName, password);
        }

        // MQTTnet 5 returns a refused CONNACK as a result rather than throwing.
        var result = await client.ConnectAsync(builder.Build());
        return result.ResultCode;
    }

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string topic)
    {
        var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        return result.Items.Single().ResultCode;
    }

    public async Task<MqttClientPublishReasonCode> PublishAsync(string topic, byte[] payload, bool retain = false)
    {
        var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build());
        return result.ReasonCode;
    }

    public async Task<MqttApplicationMessage?> WaitForAsync(string topic, TimeSpan timeout)
    {
        MqttApplicationMessage? found = null;
        await Eventually.TrueWithin(timeout, () =>
        {
            found = Received.FirstOrDefault(m => m.Topic == topic);
            return Task.FromResult(found is not null);
        });
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
