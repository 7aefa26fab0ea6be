using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// Local tokens live a bounded time and can be revoked; the data directory (children's names and
/// birth months, the service's keys) is readable by its owner only, from the first byte.
/// </summary>
public sealed class TokensAndFilesAtRestTests : IAsyncLifetime
{
    private PolicyServiceProcess _service = null!;

    public async Task InitializeAsync() => _service = await PolicyServiceProcess.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private static CallOptions Bearer(string token) => new(new Metadata { { "Authorization", "Bearer " + token } });

    private async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
    {
        var dll = RepositoryPaths.PolicyServiceDll;
        await using var command = ChildProcess.Start("dotnet", [dll, .. arguments, .. _service.CommandArguments], Path.GetDirectoryName(dll)!);
        return (await command.WaitForExitAsync(TimeSpan.FromSeconds(60)), command.Output);
    }

    private async Task<StatusCode> CallAsync(string token)
    {
        try
        {
            await new ManufacturerService.ManufacturerServiceClient(_service.Channel).ListFleetsAsync(new ListFleetsRequest(), Bearer(token));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static string TokenIn(string output) =>
        output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("eyJ", StringComparison.Ordinal));

    [Fact]
    public async Task A_local_token_for_longer_than_the_cap_is_neither_minted_nor_accepted()
    {
        var (exit, output) = await RunAsync("mint-token", "--role", "manufacturer", "--subject", "acme", "--days", "36500");
        var forged = LocalTokenForge.Sign(_service.DataDirectory, "acme", ["manufacturer"], TimeSpan.FromDays(36500));
        var fair = LocalTokenForge.Sign(_service.DataDirectory, "acme", ["manufacturer"], TimeSpan.FromDays(30));

        Assert.Equal(2, exit);
        Assert.Contains("--days must be a whole number of days from 1 to 30", output, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, await CallAsync(forged));
        Assert.Equal(StatusCode.OK, await CallAsync(fair));
    }

    [Fact]
    public async Task A_stray_argument_is_an_error_not_silently_ignored()
    {
        var (exit, output) = await RunAsync("mint-token", "--role", "guardian", "--subject", "mum", "[--days", "7]");

        Assert.Equal(2, exit);
        Assert.Contains("unexpected argument '[--days'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_and_revoking_a_subject_ends_all_its_tokens_but_not_later_ones()
    {
        var (_, first) = await RunAsync("mint-token", "--role", "manufacturer", "--subject", "leaver");
        var (_, second) = await RunAsync("mint-token", "--role", "manufacturer,auditor", "--subject", "leaver");
        var (_, other) = await RunAsync("mint-token", "--role", "manufacturer", "--subject", "stayer");
        var tokenId = System.Text.RegularExpressions.Regex.Match(first, "token id ([0-9a-f]{32})").Groups[1].Value;
        Assert.Equal(StatusCode.OK, await CallAsync(TokenIn(first)));

        Assert.Equal(0, (await RunAsync("revoke-token", "--id", tokenId)).Exit);
        var afterIdRevocation = (await CallAsync(TokenIn(first)), await CallAsync(TokenIn(second)));
        Assert.Equal(0, (await RunAsync("revoke-token", "--subject", "leaver")).Exit);
        var afterSubjectRevocation = await CallAsync(TokenIn(second));
        await Task.Delay(TimeSpan.FromSeconds(1.1)); // a token of the next second: issued after the revocation
        var (_, fresh) = await RunAsync("mint-token", "--role", "manufacturer", "--subject", "leaver");

        Assert.Equal((StatusCode.Unauthenticated, StatusCode.OK), afterIdRevocation);
        Assert.Equal(StatusCode.Unauthenticated, afterSubjectRevocation);
        Assert.Equal(StatusCode.OK, await CallAsync(TokenIn(other)));
        Assert.Equal(StatusCode.OK, await CallAsync(TokenIn(fresh)));
    }

    [Fact]
    public async Task The_data_directory_its_database_and_its_keys_are_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Write something so that the WAL file exists, and mint a token so that its key exists.
        var fleet = await FleetScenario.CreateAsync(_service);
        await fleet.RegisterAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_service.DataDirectory));
        var files = Directory.GetFiles(_service.DataDirectory);
        // On PostgreSQL the state lives in the server (its files are the server's to protect); the keys stay here.
        Assert.Equal(!StateUnderTest.IsPostgres, files.Any(f => f.EndsWith("smartterminal.db-wal", StringComparison.Ordinal)));
        Assert.Contains(files, f => f.EndsWith("audit-signing.key", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var mode = File.GetUnixFileMode(file);
            Assert.True(mode == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{Path.GetFileName(file)} is {mode}");
        }
    }
}
