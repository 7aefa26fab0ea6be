using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Compiles, signs, stores and publishes a device's effective policy, and tracks what each device
/// reports back (desired versus reported, like device twins).
/// </summary>
public sealed partial class PolicyDistributor(
    Database database,
    DeviceRegistry devices,
    PolicyResolver resolver,
    IPolicyPublisher publisher,
    TimeProvider time,
    IOptions<ServiceOptions> options,
    ILogger<PolicyDistributor> logger)
{
    // The proto names of the device's refusal codes ("POLICY_REFUSAL_BAD_MAC"), as the API reports them.
    private static readonly Google.Protobuf.Reflection.EnumDescriptor RefusalNames = UplinkReflection.Descriptor.EnumTypes.Single(e => e.Name == nameof(PolicyRefusal));

    // One republish of a device at a time (version, store and publish as one step), striped by device id.
    private readonly DeviceLocks _locks = new();

    /// <summary>
    /// Resolves, compiles, signs, stores and publishes the device's policy as one step per device, so
    /// that two republishes (a rollout and a guardian change) can never both take the same version.
    /// The version moves only when the policy's inputs changed (or the policy is half-way to its end of
    /// validity); otherwise the current envelope stands. Returns the envelope in force.
    /// </summary>
    public async Task<byte[]> RepublishAsync(string deviceId, CancellationToken cancellationToken)
    {
        using var _ = await _locks.EnterAsync(deviceId, cancellationToken);
        var device = devices.Find(deviceId) ?? throw Api.ApiErrors.NotFound("device", deviceId);
        var resolved = resolver.Resolve(device);
        var secrets = devices.Secrets(deviceId);
        var now = time.GetUtcNow();
        var inputs = InputHash(resolved, secrets.KeyId);
        var current = Current(deviceId);
        var validity = TimeSpan.FromDays(options.Value.PolicyValidityDays);
        if (current is { } stored && stored.InputHash is { } hash && hash.AsSpan().SequenceEqual(inputs) && now - stored.DesiredAt < validity / 2)
        {
            return stored.Envelope;
        }

        var version = (current?.Version ?? 0) + 1;
        var policy = PolicyCompiler.Compile(resolved, version, now, now + validity);
        var envelope = PolicySigner.Sign(deviceId, secrets.KeyId, secrets.PolicyKey, policy);
        var violations = new FieldViolations();
        PolicyBudget.Check(policy, envelope.Length, options.Value.MaxPolicyBytes, "settings", violations);
        if (violations.Any)
        {
            throw Api.ApiErrors.Invalid(violations.Items);
        }

        Store(deviceId, version, now, envelope, inputs);
        await publisher.PublishPolicyAsync(deviceId, envelope, cancellationToken);
        LogPublished(deviceId, version, envelope.Length);
        return envelope;
    }

    /// <summary>Adds a violation when the device's policy with these guardian settings would not fit the device.</summary>
    public void CheckFits(DeviceRecord device, PolicySettings guardianSettings, FieldViolations violations)
    {
        var resolved = resolver.Resolve(device, guardianSettings);
        var now = time.GetUtcNow();
        var policy = PolicyCompiler.Compile(resolved, ulong.MaxValue, now, now.AddDays(options.Value.PolicyValidityDays));
        // The MAC and envelope add a fixed few dozen bytes; a zero key signs as well as the real one.
        var envelope = PolicySigner.Sign(device.Id, uint.MaxValue, new byte[32], policy);
        PolicyBudget.Check(policy, envelope.Length, options.Value.MaxPolicyBytes, "settings", violations);
    }

    // Everything the compiled policy depends on apart from time: the profile (with its emergency
    // numbers), the age band, the merged settings and limits, and the signing key.
    private static byte[] InputHash(ResolvedPolicy resolved, uint keyId)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(Google.Protobuf.MessageExtensions.ToByteArray(resolved.Profile));
        hash.AppendData(BitConverter.GetBytes(resolved.AgeBand));
        hash.AppendData(Google.Protobuf.MessageExtensions.ToByteArray(resolved.Settings));
        hash.AppendData(Google.Protobuf.MessageExtensions.ToByteArray(resolved.Limits));
        hash.AppendData(BitConverter.GetBytes(keyId));
        return hash.GetHashAndReset();
    }

    /// <summary>Records a device's report of the version it enforces (from a PolicyAck or heartbeat).</summary>
    public void RecordReport(string deviceId, ulong appliedVersion, PolicyRefusal refusal)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE device_policies SET reported_version = MAX(reported_version, $v), reported_at = $at,
                   -- a refusal is kept until the device reports the desired version: a heartbeat in between
                   -- (which refuses nothing) must not hide why the device lags.
                   last_refusal = CASE WHEN $r <> 0 THEN $r WHEN MAX(reported_version, $v) >= desired_version THEN 0 ELSE last_refusal END
            WHERE device_id = $d
            """;
        command.Parameters.AddWithValue("$d", deviceId);
        command.Parameters.AddWithValue("$v", (long)appliedVersion);
        command.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$r", (int)refusal);
        command.ExecuteNonQuery();
        if (refusal != PolicyRefusal.None)
        {
            LogRefused(deviceId, refusal);
        }
    }

    public DevicePolicyState? State(string deviceId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT desired_version, desired_at, reported_version, reported_at, last_refusal FROM device_policies WHERE device_id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadState(deviceId, reader, 0) : null;
    }

    /// <summary>Devices whose reported version lags the desired one by at least minLag, longest lag first.</summary>
    public (IReadOnlyList<DevicePolicyState> Devices, string NextPageToken) Lagging(string fleetId, TimeSpan minLag, int pageSize, string pageToken)
    {
        var offset = int.TryParse(pageToken, out var parsed) && parsed > 0 ? parsed : 0;
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT p.device_id, p.desired_version, p.desired_at, p.reported_version, p.reported_at, p.last_refusal
            FROM device_policies p JOIN devices d ON d.id = p.device_id
            WHERE d.fleet_id = $f AND p.reported_version < p.desired_version AND p.desired_at <= $before
            ORDER BY p.desired_at, p.device_id LIMIT $limit OFFSET $offset
            """;
        command.Parameters.AddWithValue("$f", fleetId);
        command.Parameters.AddWithValue("$before", (time.GetUtcNow() - minLag).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", pageSize + 1);
        command.Parameters.AddWithValue("$offset", offset);
        using var reader = command.ExecuteReader();
        var states = new List<DevicePolicyState>();
        while (reader.Read())
        {
            states.Add(ReadState(reader.GetString(0), reader, 1));
        }

        var more = states.Count > pageSize;
        return (more ? states[..pageSize] : states, more ? (offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
    }

    private static DevicePolicyState ReadState(string deviceId, Microsoft.Data.Sqlite.SqliteDataReader reader, int first)
    {
        var state = new DevicePolicyState
        {
            DeviceId = deviceId,
            DesiredVersion = (ulong)reader.GetInt64(first),
            DesiredSince = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 1))),
            ReportedVersion = (ulong)reader.GetInt64(first + 2),
        };
        if (!reader.IsDBNull(first + 3))
        {
            state.LastReportAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 3)));
        }

        if (reader.GetInt32(first + 4) is var refusal and not 0)
        {
            state.LastRefusal = RefusalNames.FindValueByNumber(refusal)?.Name ?? refusal.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return state;
    }

    private (ulong Version, DateTimeOffset DesiredAt, byte[] Envelope, byte[]? InputHash)? Current(string deviceId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT desired_version, desired_at, envelope, input_hash FROM device_policies WHERE device_id = $d";
        command.Parameters.AddWithValue("$d", deviceId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? ((ulong)reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), (byte[])reader[2], reader.IsDBNull(3) ? null : (byte[])reader[3])
            : null;
    }

    private void Store(string deviceId, ulong version, DateTimeOffset at, byte[] envelope, byte[] inputHash)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        // The guard keeps versions increasing even against a writer outside this process's device lock.
        command.CommandText = """
            INSERT INTO device_policies (device_id, desired_version, desired_at, envelope, input_hash) VALUES ($d, $v, $at, $e, $h)
            ON CONFLICT(device_id) DO UPDATE SET desired_version = $v, desired_at = $at, envelope = $e, input_hash = $h
            WHERE excluded.desired_version > device_policies.desired_version
            """;
        command.Parameters.AddWithValue("$d", deviceId);
        command.Parameters.AddWithValue("$v", (long)version);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$e", envelope);
        command.Parameters.AddWithValue("$h", inputHash);
        command.ExecuteNonQuery();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published policy v{Version} for {DeviceId} ({Bytes} bytes)")]
    private partial void LogPublished(string deviceId, ulong version, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} refused its policy: {Refusal}")]
    private partial void LogRefused(string deviceId, PolicyRefusal refusal);
}
