using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;
using SmartTerminal.Device.Core.Runtime;

namespace SmartTerminal.DeviceHost;

/// <summary>The device core's MQTT transport over an MQTTnet 5 client (synchronous, as M2Mqtt is on the device).</summary>
public sealed class MqttNetTransport(string host, int port) : IMqttTransport, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly IMqttClient _client = CreateClient();

    public event MqttMessageHandler? MessageReceived;

    public bool IsConnected => _client.IsConnected;

    public bool Connect(string clientId, string userName, string password, string willTopic, byte[] willPayload)
    {
        _client.ApplicationMessageReceivedAsync -= OnReceived;
        _client.ApplicationMessageReceivedAsync += OnReceived;
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithCredentials(userName, password)
            .WithCleanSession()
            .WithTimeout(Timeout)
            .WithWillTopic(willTopic)
            .WithWillPayload(willPayload)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            using var cancel = new CancellationTokenSource(Timeout);
            return _client.ConnectAsync(options, cancel.Token).GetAwaiter().GetResult().ResultCode == MqttClientConnectResultCode.Success;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public bool Subscribe(string[] topics)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in topics)
        {
            builder.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        try
        {
            var result = _client.SubscribeAsync(builder.Build()).GetAwaiter().GetResult();
            return result.Items.All(i => i.ResultCode == MqttClientSubscribeResultCode.GrantedQoS1);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public bool Publish(string topic, byte[] payload, int offset, int count, bool retain)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ArraySegment<byte>(payload, offset, count))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        try
        {
            using var cancel = new CancellationTokenSource(Timeout);
            return _client.PublishAsync(message, cancel.Token).GetAwaiter().GetResult().IsSuccess;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public void Disconnect()
    {
        try
        {
            if (_client.IsConnected)
            {
                _client.DisconnectAsync().GetAwaiter().GetResult();
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Disconnect();
        _client.Dispose();
    }

    private static IMqttClient CreateClient() => new MqttClientFactory().CreateMqttClient();

    private Task OnReceived(MqttApplicationMessageReceivedEventArgs e)
    {
        MessageReceived?.Invoke(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
        return Task.CompletedTask;
    }
}
