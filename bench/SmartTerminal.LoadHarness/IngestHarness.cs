using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// Telemetry ingest end to end: N simulated devices (real MQTT clients with their own credentials)
/// each send increasing sequences of usage uplinks with a window of unacknowledged ones, resending
/// what is not acknowledged in time, as the device core does; the service stores them in a real
/// InfluxDB and acknowledges. The baseline, in the same run: the same number of points written
/// straight to the same InfluxDB in batches of 5,000. At the end InfluxDB must hold exactly the
/// expected points.
/// </summary>
internal sealed class IngestHarness(PolicyServiceProcess service, InfluxDbServer influx, Uri influxWriteUrl, string database, int deviceCount, int uplinksPerDevice, string disruption)
{
    /// <summary>Where the devices connect: the service's embedded broker, or an external one the replicas share.</summary>
    public int MqttPort { get; init; } = service.MqttPort;

    /// <summary>Further replicas on the same external broker and database (their CPU is counted as the service's).</summary>
    public IReadOnlyList<PolicyServiceProcess> OtherReplicas { get; init; } = [];

    /// <summary>Uplinks stored and acknowledged per second in the last run.</summary>
    public double UplinksPerSecond { get; private set; }

    public const int RecordsPerUplink = 10;
    private const int Window = 16;
    private static readonly TimeSpan ResendAfter = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);
    private long _acknowledged;

    // "rate:N": devices send at N uplinks/s in total instead of as fast as their window allows.
    private double? PacedRate => disruption.StartsWith("rate:", StringComparison.Ordinal)
        ? double.Parse(disruption["rate:".Length..], System.Globalization.CultureInfo.InvariantCulture)
        : null;

    public async Task RunAsync()
    {
        var points = (long)deviceCount * uplinksPerDevice * RecordsPerUplink;
        var baseline = await BaselineAsync(points);
        Console.WriteLine($"baseline: {points:N0} points straight to InfluxDB in batches of 5,000: {baseline.TotalSeconds:F2} s ({points / baseline.TotalSeconds:N0} points/s)");

        var devices = await RegisterAsync();
        var latencies = new ConcurrentBag<double>();
        long resends = 0;
        using var rss = new PeakRss(service.ProcessId);
        var cpuBefore = CpuSeconds();
        var clock = Stopwatch.StartNew();
        var disrupting = DisruptAsync(rss, (long)deviceCount * uplinksPerDevice);
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = devices.Count }, async (device, _) =>
            Interlocked.Add(ref resends, await RunDeviceAsync(device, latencies)));
        var elapsed = clock.Elapsed;
        await disrupting;
        var cpu = CpuSeconds();
        var stored = await CountAsync();

        var l = Percentiles.Of([.. latencies]);
        var pointsPerSecond = points / elapsed.TotalSeconds;
        UplinksPerSecond = deviceCount * (double)uplinksPerDevice / elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"ingest: {deviceCount:N0} devices x {uplinksPerDevice} uplinks x {RecordsPerUplink} records ({Environment.ProcessorCount} cores){(PacedRate is { } paced ? $", paced at {paced:N0} uplinks/s" : string.Empty)}");
        Console.WriteLine($"  | path                                  | uplinks/s |   points/s | ack p50 ms | ack p99 ms | ratio |");
        Console.WriteLine($"  | direct batched writes (baseline)      |           | {points / baseline.TotalSeconds,10:N0} |            |            |  1.00 |");
        Console.WriteLine($"  | devices -> service -> InfluxDB -> ack | {deviceCount * (double)uplinksPerDevice / elapsed.TotalSeconds,9:N0} | {pointsPerSecond,10:N0} | {l.P50,10:F1} | {l.P99,10:F1} | {pointsPerSecond / (points / baseline.TotalSeconds),5:F2} |");
        Console.WriteLine($"  all acknowledged in {elapsed.TotalSeconds:F2} s; resends {resends:N0}; service peak RSS {rss.PeakMegabytes:F0} MB (sampled), {rss.HighWaterMegabytes:F0} MB (VmHWM)");
        Console.WriteLine($"  InfluxDB holds {stored:N0} of {points:N0} expected points: {(stored == points ? "exact" : "MISMATCH")}");
        Console.WriteLine($"  CPU seconds during the run ({elapsed.TotalSeconds * Environment.ProcessorCount:F1} available): service {cpu.Service - cpuBefore.Service:F1}, InfluxDB {cpu.Influx - cpuBefore.Influx:F1}, harness devices {cpu.Harness - cpuBefore.Harness:F1}");
        if (stored != points)
        {
            Environment.ExitCode = 1;
        }
    }

    // "outage": InfluxDB stopped for a minute once a quarter of the uplinks is acknowledged, the service's
    // memory watched through it; "kill": the service killed (SIGKILL) and restarted at a third.
    private async Task DisruptAsync(PeakRss rss, long uplinks)
    {
        if (disruption is not ("outage" or "kill"))
        {
            return;
        }

        var at = disruption == "outage" ? uplinks / 4 : uplinks / 3;
        while (Interlocked.Read(ref _acknowledged) < at)
        {
            await Task.Delay(50);
        }

        if (disruption == "kill")
        {
            var before = Interlocked.Read(ref _acknowledged);
            await service.RestartAsync();
            Console.WriteLine($"  killed the service (SIGKILL) with {before:N0} of {uplinks:N0} uplinks acknowledged, restarted it on the same data");
            return;
        }

        var rssBefore = rss.CurrentMegabytes;
        rss.ResetPeak();
        await influx.StopAsync();
        await Task.Delay(Outage);
        var peakDuring = rss.PeakMegabytes;
        await influx.StartAgainAsync();
        Console.WriteLine($"  InfluxDB stopped for {Outage.TotalSeconds:F0} s at {at:N0} uplinks acknowledged: service RSS {rssBefore:F0} MB before, peak {peakDuring:F0} MB during ({peakDuring / rssBefore:F2}x)");
    }

    // Where the two cores went: the service, InfluxDB, and the simulated devices in this process.
    private (double Service, double Influx, double Harness) CpuSeconds()
    {
        static double Of(Process p)
        {
            try
            {
                p.Refresh();
                return p.TotalProcessorTime.TotalSeconds;
            }
            catch (InvalidOperationException)
            {
                return 0;
            }
        }

        var replicaSeconds = OtherReplicas.Sum(r =>
        {
            using var replica = Process.GetProcessById(r.ProcessId);
            return Of(replica);
        });
        using var serviceProcess = Process.GetProcessById(service.ProcessId);
        var influxd = Process.GetProcessesByName("influxd");
        var influxSeconds = influxd.Sum(Of);
        foreach (var p in influxd)
        {
            p.Dispose();
        }

        return (Of(serviceProcess) + replicaSeconds, influxSeconds, Of(Process.GetCurrentProcess()));
    }

    private async Task<TimeSpan> BaselineAsync(long points)
    {
        await influx.QueryAsync("CREATE DATABASE baseline", database, post: true);
        // The same line protocol the service's client sends, the same endpoint, 5,000 points per request.
        using var http = new HttpClient();
        var write = new Uri(influxWriteUrl, "/api/v2/write?org=smartterminal&bucket=baseline/autogen&precision=ns");
        var start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() * 1_000_000_000;
        var clock = Stopwatch.StartNew();
        for (long written = 0; written < points; written += 5_000)
        {
            var body = new StringBuilder(5_000 * 110);
            for (var i = written; i < Math.Min(points, written + 5_000); i++)
            {
                var device = (i / (uplinksPerDevice * RecordsPerUplink)).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
                body.Append("usage,category=5,device=st-").Append(device).Append(",fleet=fl-baseline app=7i,bucket_seconds=900i,used_seconds=60i ").Append(start + i).Append('\n');
            }

            using var content = new StringContent(body.ToString(), Encoding.UTF8, "text/plain");
            using var request = new HttpRequestMessage(HttpMethod.Post, write) { Content = content };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Token", "harness:secret");
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }

        return clock.Elapsed;
    }

    private async Task<List<RegisterDeviceResponse>> RegisterAsync()
    {
        var manufacturers = new ManufacturerService.ManufacturerServiceClient(service.Channel);
        var maker = await service.As("manufacturer", "ingest-harness");
        var fleet = await manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "Ingest", RegulationProfileId = "none" }, maker);
        var devices = new RegisterDeviceResponse[deviceCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, deviceCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            devices[i] = await manufacturers.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleet.Id, SerialNumber = $"INGEST-{i:D7}" }, maker));
        return [.. devices];
    }

    // One device: keeps up to Window uplinks unacknowledged, resends the unacknowledged ones after ResendAfter.
    private async Task<long> RunDeviceAsync(RegisterDeviceResponse device, ConcurrentBag<double> latencies)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var sentAt = new ConcurrentDictionary<ulong, long>();
        ulong ackedThrough = 0;
        var acked = new SemaphoreSlim(0);
        client.ApplicationMessageReceivedAsync += e =>
        {
            var control = Wire.ControlMessage.Parser.ParseFrom(e.ApplicationMessage.Payload);
            if (control.BodyCase == Wire.ControlMessage.BodyOneofCase.UplinkAck)
            {
                var through = control.UplinkAck.AckedThroughSequence;
                var now = Stopwatch.GetTimestamp();
                foreach (var (sequence, at) in sentAt)
                {
                    if (sequence <= through && sentAt.TryRemove(sequence, out _))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
                    }
                }

                var previous = InterlockedMax(ref ackedThrough, through);
                if (through > previous)
                {
                    Interlocked.Add(ref _acknowledged, (long)(through - previous));
                }

                acked.Release();
            }

            return Task.CompletedTask;
        };
        await ConnectAsync(client, device);
        var up = $"st/v1/{device.DeviceId}/up";
        long resends = 0;
        ulong next = 1;
        var last = (ulong)uplinksPerDevice;
        // Paced ("rate:N"): each device sends at N / devices per second, starting at a random point of its interval.
        var interval = PacedRate is { } rate ? TimeSpan.FromSeconds(deviceCount / rate) : TimeSpan.Zero;
        var due = Stopwatch.GetTimestamp() + (long)(Random.Shared.NextDouble() * interval.TotalSeconds * Stopwatch.Frequency);
        var progressAt = Stopwatch.GetTimestamp();
        var progressThrough = 0UL;
        while (Volatile.Read(ref ackedThrough) < last)
        {
            var through = Volatile.Read(ref ackedThrough);
            if (through > progressThrough)
            {
                (progressThrough, progressAt) = (through, Stopwatch.GetTimestamp());
            }

            try
            {
                while (next <= last && next - through <= Window && Stopwatch.GetTimestamp() >= due)
                {
                    sentAt[next] = Stopwatch.GetTimestamp();
                    await PublishAsync(client, up, Uplink(next));
                    next++;
                    due += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                }

                // Wait for an acknowledgement, or (paced, with room in the window) until the next send is due.
                var wait = ResendAfter;
                if (interval > TimeSpan.Zero && next <= last && next - Volatile.Read(ref ackedThrough) <= Window)
                {
                    var untilDue = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue < ResendAfter ? untilDue : ResendAfter;
                }

                await acked.WaitAsync(wait);
                if (Stopwatch.GetElapsedTime(progressAt) >= ResendAfter && Volatile.Read(ref ackedThrough) < next - 1)
                {
                    // Nothing acknowledged for a while: send the unacknowledged window again, as the outbox does.
                    for (var s = Volatile.Read(ref ackedThrough) + 1; s < next; s++)
                    {
                        await PublishAsync(client, up, Uplink(s));
                        resends++;
                    }

                    progressAt = Stopwatch.GetTimestamp();
                }
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException)
            {
                // The service went away (killed): reconnect as the device session does, then resend the window.
                while (!client.IsConnected)
                {
                    await Task.Delay(500);
                    try
                    {
                        await ConnectAsync(client, device);
                    }
                    catch (Exception) when (!client.IsConnected)
                    {
                        // not up yet
                    }
                }

                for (var s = Volatile.Read(ref ackedThrough) + 1; s < next; s++)
                {
                    await PublishAsync(client, up, Uplink(s));
                    resends++;
                }
            }
        }

        await client.DisconnectAsync();
        return resends;
    }

    private async Task ConnectAsync(IMqttClient client, RegisterDeviceResponse device)
    {
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", MqttPort).WithClientId(device.DeviceId)
            .WithCredentials(device.DeviceId, device.MqttPassword).WithCleanSession().WithTimeout(TimeSpan.FromSeconds(30)).Build());
        await client.SubscribeAsync($"st/v1/{device.DeviceId}/control", MqttQualityOfServiceLevel.AtLeastOnce);
    }

    private static Task PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    // Ten 15-minute buckets of the last hours, distinct per sequence (the points' timestamps carry it too).
    internal static byte[] Uplink(ulong sequence)
    {
        var batch = new Wire.UsageBatch();
        var start = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 900 * 900) - (6 * 3600);
        for (var i = 0; i < RecordsPerUplink; i++)
        {
            batch.Records.Add(new Wire.UsageRecord { BucketStartUnix = start + (i * 900), BucketSeconds = 900, Category = Wire.AppCategory.Education, AppId = 7, UsedSeconds = 60 });
        }

        return new Wire.UplinkEnvelope { Sequence = sequence, CreatedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Usage = batch }.ToByteArray();
    }

    private async Task<long> CountAsync()
    {
        var result = await influx.QueryAsync("SELECT count(used_seconds) FROM usage WHERE fleet <> 'fl-baseline'", database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    // Raises target to value; returns what it was before.
    private static ulong InterlockedMax(ref ulong target, ulong value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return current;
            }

            current = seen;
        }

        return current;
    }
}

/// <summary>The peak resident memory of a process: sampled every 100 ms, and the kernel's high-water mark.</summary>
internal sealed class PeakRss : IDisposable
{
    private readonly int _pid;
    private readonly Timer _timer;
    private long _peakKb;

    public PeakRss(int pid)
    {
        _pid = pid;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
    }

    public double PeakMegabytes => Interlocked.Read(ref _peakKb) / 1024.0;

    public double CurrentMegabytes => Field("VmRSS:") / 1024.0;

    public void ResetPeak() => Interlocked.Exchange(ref _peakKb, 0);

    public double HighWaterMegabytes => Field("VmHWM:") / 1024.0;

    public void Dispose() => _timer.Dispose();

    private void Sample()
    {
        var kb = Field("VmRSS:");
        if (kb > Interlocked.Read(ref _peakKb))
        {
            Interlocked.Exchange(ref _peakKb, kb);
        }
    }

    private long Field(string name)
    {
        try
        {
            var line = File.ReadLines($"/proc/{_pid}/status").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
