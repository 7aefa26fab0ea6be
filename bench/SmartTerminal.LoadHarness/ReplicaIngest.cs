using SmartTerminal.Testing;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// The ingest harness on the scale-out layout (<see cref="ReplicaLayout"/>), the devices connecting to
/// Mosquitto; then Mosquitto's raw QoS 1 rate for the same number of uplinks of the same size, in the
/// same run, as the broker's share of the cost.
/// </summary>
internal static class ReplicaIngest
{
    public static async Task RunAsync(InfluxDbServer influx, Uri influxWriteUrl, int devices, int uplinks, int replicas)
    {
        await using var layout = await ReplicaLayout.StartAsync(replicas, influxWriteUrl);
        var harness = new IngestHarness(layout.Replicas[0], influx, influxWriteUrl, "smartterminal", devices, uplinks, "none")
        {
            MqttPort = layout.Broker.Port,
            OtherReplicas = layout.Replicas.Skip(1).ToList(),
        };
        await harness.RunAsync();

        var messages = (long)devices * uplinks;
        var size = IngestHarness.Uplink(1).Length;
        var raw = await RawBrokerBaseline.MessagesPerSecondAsync(layout.Broker.Port, ReplicaLayout.BenchUser, layout.BenchPassword, messages, size, Math.Min(devices, 200));
        Console.WriteLine($"  raw Mosquitto QoS 1, same run: {messages:N0} messages of {size} B from {Math.Min(devices, 200)} publishers to one shared-subscription member: {raw:N0} messages/s");
        Console.WriteLine($"  service path / raw broker: {harness.UplinksPerSecond / raw:F2}");
    }
}
