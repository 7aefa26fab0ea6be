using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Compiles, signs, stores and publishes a device's effective policy, and tracks what each device
/// reports back (desired versus reported, like device twins).
/// </summary>
public sealed partial class PolicyDistributor(
    StateDatabase database,
    DevicePolicyStore store,
    DeviceStore deviceStore,
    DeviceRegistry devices,
    PolicyResolver resolver,
    IPolicyPublisher publisher,
    TimeProvider time,
    IOptions<ServiceOptions> options,
    ILogger<PolicyDistributor> logger)
{
    // The proto names of the device's refusal codes ("POLICY_REFUSAL_BAD_MAC"), as the API reports them.
    private static readonly Google.Protobuf.Reflection.EnumDescriptor RefusalNames = UplinkReflection.Descriptor.EnumTypes.Single(e => e.Name == nameof(PolicyRefusal));

    /// <summary>
    /// Resolves, compiles, signs, stores and publishes the device's policy as one step per device (held
    /// in this process and, on PostgreSQL, in every replica), so that two republishes (a rollout and a
    /// guardian change) can never both take the same version or publish out of order. The version moves
    /// only when the policy's inputs changed (or the policy is half-way to its end of validity);
    /// otherwise the current envelope stands. Returns the envelope in force.
    /// </summary>
    public async Task<byte[]> RepublishAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var hold = await database.HoldAsync(DeviceRegistry.Lock(deviceId), cancellationToken);
        var session = hold.Open();
        var device = await deviceStore.FindAsync(session, deviceId) ?? throw Api.ApiErrors.NotFound("device", deviceId);
        var resolved = await resolver.ResolveAsync(session, device);
        var secrets = await devices.SecretsAsync(session, deviceId);
        var now = time.GetUtcNow();
        var inputs = InputHash(resolved, secrets.KeyId);
        var current = await store.CurrentAsync(session, deviceId);
        var validity = TimeSpan.FromDays(options.Value.PolicyValidityDays);
        if (current is { } stored && stored.InputHash is { } hash && hash.AsSpan().SequenceEqual(inputs)
            && now - DateTimeOffset.FromUnixTimeMilliseconds(stored.DesiredAt) < validity / 2)
        {
            return stored.Envelope;
        }

        var version = (ulong)(current?.DesiredVersion ?? 0) + 1;
        var policy = PolicyCompiler.Compile(resolved, version, now, now + validity);
        var envelope = PolicySigner.Sign(deviceId, secrets.KeyId, secrets.PolicyKey, policy);
        var violations = new FieldViolations();
        PolicyBudget.Check(policy, envelope.Length, options.Value.MaxPolicyBytes, "settings", violations);
        if (violations.Any)
        {
            throw Api.ApiErrors.Invalid(violations.Items);
        }

        // One statement, guarded against an older version: no transaction needed around it.
        await store.StoreAsync(session, deviceId, version, now, envelope, inputs);
        await publisher.PublishPolicyAsync(deviceId, envelope, cancellationToken);
        LogPublished(deviceId, version, envelope.Length);
        return envelope;
    }

    /// <summary>Adds a violation when the device's policy with these guardian settings would not fit the device.</summary>
    public async Task CheckFitsAsync(DeviceRecord device, PolicySettings guardianSettings, FieldViolations violations)
    {
        var resolved = await resolver.ResolveAsync(device, guardianSettings);
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
    public async Task RecordReportAsync(string deviceId, ulong appliedVersion, PolicyRefusal refusal)
    {
        await using (var session = await database.OpenAsync())
        {
            await store.RecordReportAsync(session, deviceId, appliedVersion, time.GetUtcNow(), (int)refusal);
        }

        if (refusal != PolicyRefusal.None)
        {
            LogRefused(deviceId, refusal);
        }
    }

    public async Task<DevicePolicyState?> StateAsync(string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await store.StateAsync(session, deviceId) is { } state ? ToApi(state) : null;
    }

    /// <summary>Devices whose reported version lags the desired one by at least minLag, longest lag first.</summary>
    public async Task<(IReadOnlyList<DevicePolicyState> Devices, string NextPageToken)> LaggingAsync(string fleetId, TimeSpan minLag, int pageSize, string pageToken)
    {
        var offset = int.TryParse(pageToken, out var parsed) && parsed > 0 ? parsed : 0;
        IReadOnlyList<StoredPolicyState> page;
        await using (var session = await database.ReadAsync())
        {
            page = await store.LaggingAsync(session, fleetId, time.GetUtcNow() - minLag, pageSize + 1, offset);
        }

        var states = page.Select(ToApi).ToList();
        var more = states.Count > pageSize;
        return (more ? states[..pageSize] : states, more ? (offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
    }

    private static DevicePolicyState ToApi(StoredPolicyState stored)
    {
        var state = new DevicePolicyState
        {
            DeviceId = stored.DeviceId,
            DesiredVersion = (ulong)stored.DesiredVersion,
            DesiredSince = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(stored.DesiredAt)),
            ReportedVersion = (ulong)stored.ReportedVersion,
        };
        if (stored.ReportedAt is { } reportedAt)
        {
            state.LastReportAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(reportedAt));
        }

        if (stored.LastRefusal is var refusal and not 0)
        {
            state.LastRefusal = RefusalNames.FindValueByNumber((int)refusal)?.Name ?? refusal.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return state;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published policy v{Version} for {DeviceId} ({Bytes} bytes)")]
    private partial void LogPublished(string deviceId, ulong version, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} refused its policy: {Refusal}")]
    private partial void LogRefused(string deviceId, PolicyRefusal refusal);
}
