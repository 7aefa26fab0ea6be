using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Security;

/// <summary>
/// Someone with the database but not the audit keys: rewriting rows and re-chaining them, or cutting
/// off the newest ones, must be evident to an auditor; audit details cannot be forged through input.
/// </summary>
public sealed class AuditTamperingTests : IAsyncLifetime
{
    private PolicyServiceProcess _service = null!;

    public async Task InitializeAsync() => _service = await PolicyServiceProcess.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private ComplianceService.ComplianceServiceClient Compliance => new(_service.Channel);

    private async Task<VerifyAuditChainResponse> VerifyAsync(params AuditCheckpoint[] kept) =>
        await Compliance.VerifyAuditChainAsync(new VerifyAuditChainRequest { Checkpoints = { kept } }, await _service.As("auditor", "regulator"));

    private async Task<ListAuditCheckpointsResponse> CheckpointsAsync() =>
        await Compliance.ListAuditCheckpointsAsync(new ListAuditCheckpointsRequest(), await _service.As("auditor", "regulator"));

    private Task<List<AuditEntry>> EntriesAsync(string subject) => AuditTrail.ReadAsync(_service, subject, limit: 1000);

    private async Task<RegisterDeviceResponse> SomeHistoryAsync()
    {
        var fleet = await FleetScenario.CreateAsync(_service);
        var device = await fleet.RegisterAsync();
        var (guardian, _) = await fleet.PairAsync(device, "mum");
        await fleet.Guardians.SetGuardianSettingsAsync(new SetGuardianSettingsRequest { DeviceId = device.DeviceId, Settings = new PolicySettings { DailyMinutes = 30 } }, guardian);
        return device;
    }

    private Task ExecuteAsync(string sql, object? parameters = null) => ServiceState.ExecuteAsync(_service, sql, parameters);

    // What the unkeyed chain allowed: change a row, then recompute every hash from there with SHA-256.
    private async Task RewriteAndRechainWithPlainSha256Async(string newAfterJson, int rowToEdit)
    {
        var rows = await ServiceState.QueryAsync<AuditRow>(_service, "SELECT sequence, at, actor, action, subject, before_json, after_json FROM audit_log ORDER BY sequence");
        var previous = new string('0', 64);
        foreach (var row in rows)
        {
            var after = row.Sequence == rowToEdit ? newAfterJson : row.AfterJson;
            var builder = new StringBuilder();
            foreach (var part in new[] { previous, row.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), row.At.ToString(System.Globalization.CultureInfo.InvariantCulture), row.Actor, row.Action, row.Subject, row.BeforeJson, after })
            {
                builder.Append(part.Length).Append(':').Append(part).Append('|');
            }

            previous = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
            await ExecuteAsync("UPDATE audit_log SET after_json = @after, hash = @hash, hash_scheme = 0 WHERE sequence = @sequence", new { after, hash = previous, sequence = row.Sequence });
        }
    }

    private sealed record AuditRow(long Sequence, long At, string Actor, string Action, string Subject, string BeforeJson, string AfterJson);

    [Fact]
    public async Task A_row_rewritten_and_rechained_without_the_key_is_detected()
    {
        await SomeHistoryAsync();
        Assert.True((await VerifyAsync()).Intact);

        await RewriteAndRechainWithPlainSha256Async("{\"dailyMinutes\":600}", rowToEdit: 3);
        var verified = await VerifyAsync();

        Assert.False(verified.Intact);
        Assert.Equal(1ul, verified.FirstBrokenSequence);
        Assert.Contains("not hashed under the audit key", verified.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cutting_off_the_newest_entries_is_detected_with_a_kept_checkpoint_even_when_the_stored_ones_go_too()
    {
        await SomeHistoryAsync();
        var kept = (await CheckpointsAsync()).Checkpoints.Last();
        await SomeHistoryAsync();

        await ExecuteAsync($"DELETE FROM audit_log WHERE sequence > {kept.Sequence - 2}");
        var withStored = await VerifyAsync();
        await ExecuteAsync("DELETE FROM audit_checkpoints");
        var withoutStored = await VerifyAsync();
        var withKept = await VerifyAsync(kept);

        Assert.False(withStored.Intact);
        Assert.True(withoutStored.Intact);
        Assert.False(withKept.Intact);
        Assert.Contains("entries were removed", withKept.Problem, StringComparison.Ordinal);
        Assert.Equal(kept.Sequence - 1, withKept.FirstBrokenSequence);
    }

    [Fact]
    public async Task A_checkpoint_not_signed_by_the_service_is_refused_and_a_real_one_verifies_offline()
    {
        await SomeHistoryAsync();
        var listed = await CheckpointsAsync();
        var real = listed.Checkpoints.Last();
        var forged = real.Clone();
        forged.HeadHash = new string('a', 64);

        var verified = await VerifyAsync(forged);

        Assert.False(verified.Intact);
        Assert.Contains("not signed", verified.Problem, StringComparison.Ordinal);
        // What an auditor can do with no access to the service: check the signature with the public key.
        using var key = ECDsa.Create();
        key.ImportFromPem(listed.SigningPublicKeyPem);
        var statement = Encoding.UTF8.GetBytes($"smartterminal-audit-checkpoint/v1\n{real.Sequence}\n{real.HeadHash}\n{real.At.ToDateTimeOffset().ToUnixTimeMilliseconds()}");
        Assert.True(key.VerifyData(statement, real.Signature.ToByteArray(), HashAlgorithmName.SHA256));
        Assert.False(key.VerifyData(Encoding.UTF8.GetBytes($"smartterminal-audit-checkpoint/v1\n{real.Sequence}\n{forged.HeadHash}\n{real.At.ToDateTimeOffset().ToUnixTimeMilliseconds()}"), real.Signature.ToByteArray(), HashAlgorithmName.SHA256));
        Assert.True((await VerifyAsync(real)).Intact);
    }

    [Fact]
    public async Task A_reason_with_quotes_stays_one_value_of_the_audit_record_and_a_serial_with_quotes_is_refused()
    {
        var fleet = await FleetScenario.CreateAsync(_service);
        var device = await fleet.RegisterAsync();
        var reason = "reflash\",\"keyId\":99,\"fleetId\":\"fl-forged";

        await fleet.Manufacturers.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = device.DeviceId, Reason = reason }, fleet.AsManufacturer);

        var record = (await EntriesAsync(device.DeviceId)).Single(e => e.Action == "device.rotate-keys");
        var json = JsonDocument.Parse(record.AfterJson).RootElement;
        Assert.Equal(reason, json.GetProperty("reason").GetString());
        Assert.Equal(2, json.GetProperty("keyId").GetInt32());
        Assert.False(json.TryGetProperty("fleetId", out _));
        // Serials are printed on boxes: letters, digits and - _ . / : only, so quotes never reach the record.
        var refused = await Assert.ThrowsAsync<RpcException>(() => fleet.RegisterAsync("SN-1\",\"keyId\":99"));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
    }

    [Fact]
    public async Task Entries_of_the_unkeyed_chain_are_keyed_once_at_start_and_verify()
    {
        var device = await SomeHistoryAsync();
        var before = await EntriesAsync(device.DeviceId);
        await RewriteAndRechainWithPlainSha256Async(before.Single(e => e.Action == "guardian-settings.set").AfterJson, rowToEdit: -1);

        await _service.RestartAsync();

        var verified = await VerifyAsync();
        var keyed = await EntriesAsync(string.Empty);
        Assert.True(verified.Intact, verified.Problem);
        var marker = keyed.Single(e => e.Action == "audit.chain-keyed");
        Assert.Contains("\"unkeyedChainBrokenAt\":null", marker.AfterJson, StringComparison.Ordinal);
    }
}
