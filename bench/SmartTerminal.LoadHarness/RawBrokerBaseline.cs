using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// The broker alone, as the baseline of the scale-out figures: the same number of QoS 1 messages of
/// the same size, published by many clients (each waiting for its PUBACKs with a window, as devices
/// do) and consumed by one shared-subscription member (receive maximum 1,000), as a replica is.
/// </summary>
internal static class RawBrokerBaseline
{
    public static async Task<double> MessagesPerSecondAsync(int port, string user, string password, long messages, int payloadBytes, int publishers)
    {
        var factory = new MqttClientFactory();
        using var subscriber = factory.CreateMqttClient();
        long received = 0;
        var all = new TaskCompletionSource();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            if (Interlocked.Increment(ref received) == messages)
            {
                all.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(Options(factory, port, "bench-consumer", user, password).WithReceiveMaximum(1000).Build());
        var subscribed = await subscriber.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter("$share/bench/bench/+/up", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        if (subscribed.Items.Single().ResultCode != MqttClientSubscribeResultCode.GrantedQoS1)
        {
            throw new InvalidOperationException("the broker refused the baseline's subscription: " + subscribed.Items.Single().ResultCode);
        }

        var payload = new byte[payloadBytes];
        Random.Shared.NextBytes(payload);
        var clients = new List<IMqttClient>();
        for (var i = 0; i < publishers; i++)
        {
            var client = factory.CreateMqttClient();
            await client.ConnectAsync(Options(factory, port, $"bench-device-{i}", user, password).Build());
            clients.Add(client);
        }

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, publishers), new ParallelOptions { MaxDegreeOfParallelism = publishers }, async (i, _) =>
        {
            var share = messages / publishers + (i < messages % publishers ? 1 : 0);
            var message = new MqttApplicationMessageBuilder().WithTopic($"bench/{i}/up").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            // A window of 16 unacknowledged messages per publisher, like the simulated devices.
            for (long sent = 0; sent < share; sent += 16)
            {
                var results = await Task.WhenAll(Enumerable.Range(0, (int)Math.Min(16, share - sent)).Select(_ => clients[i].PublishAsync(message)));
                if (results.FirstOrDefault(r => !r.IsSuccess) is { } refused)
                {
                    throw new InvalidOperationException("the broker refused a baseline publish: " + refused.ReasonCode);
                }
            }
        });
        await all.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var seconds = clock.Elapsed.TotalSeconds;

        foreach (var client in clients)
        {
            await client.DisconnectAsync();
            client.Dispose();
        }

        await subscriber.DisconnectAsync();
        return messages / seconds;
    }

    private static MqttClientOptionsBuilder Options(MqttClientFactory factory, int port, string clientId, string user, string password) =>
        factory.CreateClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithCredentials(user, password)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart();
}
