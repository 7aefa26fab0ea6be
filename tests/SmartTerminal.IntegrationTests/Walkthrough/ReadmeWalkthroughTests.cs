using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Walkthrough;

/// <summary>
/// The README's first hour, exactly as written: scripts/demo.sh starts the main command on free ports and
/// runs the walkthrough's blocks (three roles, the device host, reports, export, audit) with its checks.
/// </summary>
public sealed class ReadmeWalkthroughTests
{
    [Fact]
    public async Task The_README_walkthrough_runs_as_written_and_ends_with_a_usage_view_and_a_report()
    {
        await using var demo = ChildProcess.Start("bash", [Path.Combine(RepositoryPaths.Root, "scripts", "demo.sh")], RepositoryPaths.Root);

        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(8));

        Assert.True(exit == 0, demo.Output);
        Assert.Contains("demo: ok: the compliance report is not empty", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MISSING", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_walkthrough_runs_unchanged_against_the_cluster_of_three_replicas_behind_nginx()
    {
        // scripts/run-cluster.sh: PostgreSQL, Mosquitto with dynamic security, InfluxDB, 3 replicas, nginx.
        await using var demo = ChildProcess.Start("bash", [Path.Combine(RepositoryPaths.Root, "scripts", "demo.sh"), "--cluster"], RepositoryPaths.Root);

        var exit = await demo.WaitForExitAsync(TimeSpan.FromMinutes(8));

        Assert.True(exit == 0, demo.Output);
        Assert.Contains("demo: ok: the watches stop at the daily budget", demo.Output, StringComparison.Ordinal);
        Assert.Contains("demo: ok: the audit log verifies against a kept checkpoint", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MISSING", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_device_host_says_in_one_line_what_is_missing()
    {
        var dll = Path.Combine(RepositoryPaths.Root, "tools", "devicehost", "SmartTerminal.DeviceHost", "bin", RepositoryPaths.Configuration, "net10.0", "SmartTerminal.DeviceHost.dll");
        var missing = Path.Combine(Path.GetTempPath(), "st-no-such-devices-" + Guid.NewGuid().ToString("N"));

        await using var noFolder = ChildProcess.Start("dotnet", [dll, "--broker", "127.0.0.1:1883", "--devices", missing], RepositoryPaths.Root);
        await using var badPlay = ChildProcess.Start("dotnet", [dll, "--broker", "127.0.0.1:1883", "--devices", Path.GetTempPath(), "--play", "com.kids.game:90:60"], RepositoryPaths.Root);

        Assert.Equal(2, await noFolder.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, await badPlay.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"device host: {missing} does not exist: create it and add devices with 'add-device' (or put a folder with a config.bin per device in it)", noFolder.Output.Trim());
        Assert.StartsWith("device host: --play 'com.kids.game:90:60' should be", badPlay.Output.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", noFolder.Output + badPlay.Output, StringComparison.Ordinal);
    }
}
