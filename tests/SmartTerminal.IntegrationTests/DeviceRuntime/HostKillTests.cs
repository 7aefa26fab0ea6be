using Google.Protobuf;
using SmartTerminal.Device.Core.Runtime;
using SmartTerminal.DeviceHost;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.DeviceRuntime;

/// <summary>The device host as a real process, killed at random moments while it plays and writes.</summary>
public sealed class HostKillTests : IAsyncLifetime
{
    private const string DeviceId = "st-kill-0001";
    private const string Password = "kill-password";
    private readonly string _devices = Directory.CreateTempSubdirectory("st-host-").FullName;
    private MosquittoBroker _broker = null!;

    private string Folder => Path.Combine(_devices, DeviceId);

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync(new Dictionary<string, string> { ["policy-service"] = "service-secret", [DeviceId] = Password }, DeviceProvisioning.Acl);
        Directory.CreateDirectory(Folder);
        var config = DeviceProvisioning.WireConfig(DeviceId, Password, _broker.Port, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, heartbeatSeconds: 600);
        await File.WriteAllBytesAsync(Path.Combine(Folder, "config.bin"), config.ToByteArray());
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_devices, recursive: true);
    }

    private ChildProcess StartHost()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SmartTerminal.DeviceHost.dll");
        return ChildProcess.Start("dotnet", [dll, "--broker", $"127.0.0.1:{_broker.Port}", "--devices", _devices, "--speed", "1200", "--play", $"{DeviceProvisioning.Game}:4:7"], AppContext.BaseDirectory);
    }

    private ulong StoredLastSequence()
    {
        var outbox = new Outbox(FolderStorage.Open(Folder), 64 * 1024, SmartTerminal.Device.Core.Runtime.DeviceRuntime.SegmentBytes);
        outbox.Recover(new byte[SmartTerminal.Device.Core.Runtime.DeviceRuntime.SegmentBytes]);
        return outbox.LastSequence;
    }

    [Fact]
    public async Task Killing_the_host_at_random_moments_reuses_no_sequence_and_loses_no_stored_message()
    {
        await using var acker = await UplinkAcknowledger.ConnectAsync(_broker.Port, "policy-service", "service-secret");
        var random = new Random(20261128);
        for (var kill = 0; kill < 5; kill++)
        {
            await using var host = StartHost();
            await Task.Delay(random.Next(400, 2500));
        }

        // Whatever the kills left in flash must still be readable and all of it must arrive.
        var stored = StoredLastSequence();
        await using (var host = StartHost())
        {
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(60), () => Task.FromResult(acker.ContiguousThrough(DeviceId) >= stored)), $"received through {acker.ContiguousThrough(DeviceId)} of {stored}\n{host.Output}");
        }

        var uplinks = acker.Uplinks(DeviceId);
        Assert.True(stored > 5, $"only {stored} messages were written");
        Assert.Equal(Enumerable.Range(1, uplinks.Count).Select(i => (ulong)i), uplinks.Select(u => u.Sequence));
        Assert.Empty(acker.Problems);
        Assert.Contains(uplinks, u => u.BodyCase == SmartTerminal.Contracts.Device.V1.UplinkEnvelope.BodyOneofCase.Usage);
        Assert.True(StoredLastSequence() >= stored);
    }

    [Fact]
    public async Task A_SIGTERM_stops_the_host_as_cleanly_as_Ctrl_C_so_the_next_boot_counts_no_gap()
    {
        await using (var host = StartHost())
        {
            // Let it play for a while (1200x: minutes of virtual use), then ask it to stop as systemd would.
            await Task.Delay(TimeSpan.FromSeconds(3));
            await using var kill = ChildProcess.Start("kill", ["-TERM", host.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], AppContext.BaseDirectory);
            Assert.Equal(0, await kill.WaitForExitAsync(TimeSpan.FromSeconds(10)));

            Assert.Equal(0, await host.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("device host: stopped", host.Output, StringComparison.Ordinal);
        }

        // The next boot of the same flash: nothing ran at power-off, so no unknown gap is counted.
        var config = VirtualDevice.ReadConfig(Path.Combine(Folder, "config.bin"));
        using var device = new VirtualDevice(config, Folder, new HostClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0), "127.0.0.1", _broker.Port);
        Assert.Equal(0, device.Runtime.Ledger.EventCount);
    }
}
