using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Flasher;

/// <summary>The flasher as a station installs it: packed as a dotnet tool, installed, run by its command name.</summary>
public sealed class FlasherPackageTests
{
    [Fact]
    public async Task The_flasher_packs_as_a_dotnet_tool_that_installs_and_runs_as_st_flasher()
    {
        var work = Directory.CreateTempSubdirectory("st-flasher-tool-").FullName;
        try
        {
            var project = Path.Combine(RepositoryPaths.Root, "tools", "flasher", "SmartTerminal.Flasher");
            Assert.Equal(0, await RunAsync("dotnet", ["pack", project, "-c", RepositoryPaths.Configuration, "--no-build", "-o", Path.Combine(work, "feed"), "-nologo"], work));
            Assert.Equal(0, await RunAsync("dotnet", ["tool", "install", "--tool-path", Path.Combine(work, "tools"), "SmartTerminal.Flasher", "--add-source", Path.Combine(work, "feed")], work));

            await using var installed = ChildProcess.Start(Path.Combine(work, "tools", "st-flasher"), ["targets"], work);
            Assert.Equal(0, await installed.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("ESP32_C3", installed.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string file, string[] arguments, string directory)
    {
        await using var process = ChildProcess.Start(file, arguments, directory);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, process.Output);
        return exitCode;
    }
}
