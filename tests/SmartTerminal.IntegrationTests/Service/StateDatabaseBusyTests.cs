using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Data.Sqlite;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// When the state database cannot be written (another process holds its write lock on SQLite, an
/// exclusive lock on the tables on PostgreSQL), a change answers
/// Unavailable with a clear message and commits nothing, plain reads still work (WAL) while audited
/// staff reads are refused, uplinks wait for their resend instead of stopping the service, and
/// everything works again once the lock is gone.
/// </summary>
public sealed class StateDatabaseBusyTests : IAsyncLifetime
{
    private PolicyServiceProcess _service = null!;

    public async Task InitializeAsync() =>
        _service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string> { ["State:TimeoutSeconds"] = "1" });

    public async Task DisposeAsync() => await _service.DisposeAsync();

    // Another process's writer holding the database: readers may go on, writers wait and time out.
    private async Task<IAsyncDisposable> LockForWritingAsync()
    {
        var (provider, connectionString) = _service.State;
        System.Data.Common.DbConnection connection = provider == "PostgreSQL" ? new Npgsql.NpgsqlConnection(connectionString) : new SqliteConnection(connectionString + ";Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = provider == "PostgreSQL"
            ? "BEGIN; LOCK TABLE fleets, audit_log, device_policies, uplink_watermarks IN EXCLUSIVE MODE;"
            : "PRAGMA busy_timeout=5000; BEGIN IMMEDIATE;";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private static byte[] Heartbeat(ulong sequence, ulong policyVersion) => new Wire.UplinkEnvelope
    {
        Sequence = sequence,
        CreatedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        Heartbeat = new Wire.Heartbeat { FirmwareVersion = "1.0.0", PolicyVersion = policyVersion },
    }.ToByteArray();

    [Fact]
    public async Task A_locked_database_answers_Unavailable_commits_nothing_and_the_service_carries_on()
    {
        var fleet = await FleetScenario.CreateAsync(_service, profile: "none");
        var registered = await fleet.RegisterAsync();
        var policyVersion = Wire.SignedPolicyEnvelope.Parser.ParseFrom(registered.InitialPolicy).Version;
        await using var device = await fleet.ConnectAsDeviceAsync(registered);
        var up = $"st/v1/{registered.DeviceId}/up";

        RpcException refused;
        await using (var writer = await LockForWritingAsync())
        {
            refused = await Assert.ThrowsAsync<RpcException>(() => fleet.Manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "Locked out", RegulationProfileId = "none" }, fleet.AsManufacturer).ResponseAsync);
            var whileLocked = await fleet.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), fleet.AsManufacturer);
            Assert.Single(whileLocked.Fleets);
            // A staff read is audited: without its audit record it is refused too, never served unaudited.
            var audited = await Assert.ThrowsAsync<RpcException>(() => fleet.Compliance.GetBaselineCoverageAsync(new GetBaselineCoverageRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, audited.StatusCode);
            await device.PublishAsync(up, Heartbeat(1, policyVersion));
            // The uplink met the lock: processing it failed, nothing was acknowledged, the loop went on.
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(15), () => Task.FromResult(_service.Output.Contains($"Decoding an uplink of {registered.DeviceId}", StringComparison.Ordinal))), _service.Output);
        }

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("state database is unavailable", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await new Health.HealthClient(_service.Channel).CheckAsync(new HealthCheckRequest())).Status);

        await fleet.Manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "After the lock", RegulationProfileId = "none" }, fleet.AsManufacturer);
        await device.PublishAsync(up, Heartbeat(1, policyVersion));
        Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(10), async () =>
            (await fleet.Compliance.GetBaselineCoverageAsync(new GetBaselineCoverageRequest { FleetId = fleet.Fleet.Id }, fleet.AsManufacturer)).CurrentDevices == 1));
        var names = (await fleet.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), fleet.AsManufacturer)).Fleets.Select(f => f.Name).ToList();
        Assert.Equal(["After the lock", "KidWatch"], names.Order());
    }
}
