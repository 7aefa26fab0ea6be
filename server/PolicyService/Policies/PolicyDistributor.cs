using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>What republishing did for one device: the envelope in force, or why it failed.</summary>
public sealed record RepublishOutcome(string DeviceId, byte[]? Envelope, Exception? Error);

/// <summary>
/// Compiles, signs, stores and publishes a device's effective policy, and tracks what each device
/// reports back (desired versus reported, like device twins).
/// </summary>
public sealed partial class PolicyDistributor(
    StateDatabase database,
    DevicePolicyStore store,
    DeviceRegistry devices,
    PolicyResolver resolver,
    IDeviceDownlink publisher,
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
        var outcome = (await RepublishAsync([deviceId], cancellationToken)).Single();
        if (outcome.Error is { } error)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        return outcome.Envelope!;
    }

    /// <summary>
    /// The same for a batch of devices (a rollout's), held together: one query for their inputs, the
    /// fleet's layers read once per model, the new versions stored a few hundred per statement, then
    /// published. A device that fails (gone, its policy too large) is reported and the others go on.
    /// </summary>
    public async Task<IReadOnlyList<RepublishOutcome>> RepublishAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken) =>
        await RepublishAsync(deviceIds, publishUnchanged: false, cancellationToken);

    private async Task<IReadOnlyList<RepublishOutcome>> RepublishAsync(IReadOnlyCollection<string> deviceIds, bool publishUnchanged, CancellationToken cancellationToken)
    {
        var ids = deviceIds.Distinct(StringComparer.Ordinal).ToList();
        await using var hold = await database.HoldAsync([.. ids.Select(DeviceRegistry.Lock)], cancellationToken);
        var session = hold.Open();
        var inputs = (await store.InputsAsync(session, ids)).ToDictionary(i => i.DeviceId, StringComparer.Ordinal);
        var fleetLayers = new Dictionary<(string FleetId, string ModelId), FleetLayers>();
        var now = time.GetUtcNow();
        var outcomes = new List<RepublishOutcome>(ids.Count);
        var changed = new List<NewPolicy>();
        var unchanged = new List<(string DeviceId, byte[] Envelope)>();
        foreach (var id in ids)
        {
            if (!inputs.TryGetValue(id, out var input))
            {
                outcomes.Add(new RepublishOutcome(id, null, new NotFoundException("device", id)));
                continue;
            }

            try
            {
                var key = (input.FleetId, input.ModelId);
                if (!fleetLayers.TryGetValue(key, out var layers))
                {
                    layers = await resolver.FleetLayersAsync(session, input.FleetId, input.ModelId);
                    fleetLayers[key] = layers;
                }

                var (envelope, policy) = Make(input, layers, now);
                outcomes.Add(new RepublishOutcome(id, envelope, null));
                if (policy is not null)
                {
                    changed.Add(policy);
                }
                else if (publishUnchanged)
                {
                    unchanged.Add((id, envelope));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcomes.Add(new RepublishOutcome(id, null, e));
            }
        }

        // Stored before published, while held: what a device receives is always what the service says it should run.
        await store.StoreAsync(session, changed);
        foreach (var policy in changed)
        {
            await publisher.PublishPolicyAsync(policy.DeviceId, policy.Envelope, cancellationToken);
            LogPublished(policy.DeviceId, policy.Version, policy.Envelope.Length);
        }

        foreach (var (deviceId, envelope) in unchanged)
        {
            await publisher.PublishPolicyAsync(deviceId, envelope, cancellationToken);
        }

        return outcomes;
    }

    // The envelope in force for the device, and the new version to store when its inputs changed.
    private (byte[] Envelope, NewPolicy? Changed) Make(PolicyInputs input, FleetLayers layers, DateTimeOffset now)
    {
        var device = new DeviceRecord(input.DeviceId, input.FleetId, input.ModelId, (uint)input.KeyId, input.ChildBirthMonth, input.Serial);
        var guardian = input.GuardianSettings is { } body ? PolicySettings.Parser.ParseFrom(body) : null;
        var resolved = resolver.Resolve(device, layers, guardian);
        var hash = InputHash(resolved, device.KeyId);
        var validity = TimeSpan.FromDays(options.Value.PolicyValidityDays);
        if (input.Envelope is { } current && input.InputHash is { } stored && stored.AsSpan().SequenceEqual(hash)
            && now - DateTimeOffset.FromUnixTimeMilliseconds(input.DesiredAt!.Value) < validity / 2)
        {
            return (current, null);
        }

        var version = (ulong)(input.DesiredVersion ?? 0) + 1;
        var policy = PolicyCompiler.Compile(resolved, version, now, now + validity);
        var envelope = PolicySigner.Sign(device.Id, device.KeyId, devices.PolicyKey(device.Id, input.PolicyKey), policy);
        var violations = new FieldViolations();
        PolicyBudget.Check(policy, envelope.Length, options.Value.MaxPolicyBytes, "settings", violations);
        if (violations.Any)
        {
            throw new InvalidInputException(violations.Items);
        }

        return (envelope, new NewPolicy(device.Id, version, now, envelope, hash));
    }

    /// <summary>
    /// Checks guardian settings before they are stored: within the limits of the profile and the
    /// baselines, and small enough that the device's policy with them still fits the device. One read
    /// of the fleet's layers serves both checks.
    /// </summary>
    public async Task<FieldViolations> CheckGuardianSettingsAsync(DeviceRecord device, PolicySettings settings)
    {
        FleetLayers layers;
        await using (var session = await database.ReadAsync())
        {
            layers = await resolver.FleetLayersAsync(session, device.FleetId, device.ModelId);
        }

        var violations = new FieldViolations();
        var bounds = resolver.Resolve(device, layers, new PolicySettings());
        PolicyBounds.CheckSettings(settings, bounds.Limits, "settings", $"profile {bounds.Profile.Id} and the manufacturer baseline", violations);
        if (violations.Any)
        {
            return violations;
        }

        var now = time.GetUtcNow();
        var policy = PolicyCompiler.Compile(resolver.Resolve(device, layers, settings), ulong.MaxValue, now, now.AddDays(options.Value.PolicyValidityDays));
        // The MAC and envelope add a fixed few dozen bytes; a zero key signs as well as the real one.
        var envelope = PolicySigner.Sign(device.Id, uint.MaxValue, new byte[32], policy);
        PolicyBudget.Check(policy, envelope.Length, options.Value.MaxPolicyBytes, "settings", violations);
        return violations;
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

    /// <summary>Records devices' reports of the version they enforce (from PolicyAcks or heartbeats), in their own transaction.</summary>
    public async Task<IReadOnlyList<string>> RecordReportsAsync(IReadOnlyList<(string DeviceId, PolicyReport Report)> reports)
    {
        await using var session = await database.WriteAsync();
        var behind = await RecordReportsAsync(session, reports);
        await session.CommitAsync();
        return behind;
    }

    /// <summary>
    /// Records reports inside the caller's write session (ingestion: with the batch's watermarks), in the
    /// order given, which is each device's uplink order. Returns the devices that report, without
    /// refusing anything, a version older than their current one: their policy did not reach them (a
    /// broker that lost its retained messages, a publish that failed), to be sent again
    /// (<see cref="ResendToLaggingAsync"/>) once the caller committed.
    /// </summary>
    public async Task<IReadOnlyList<string>> RecordReportsAsync(StateSession session, IReadOnlyList<(string DeviceId, PolicyReport Report)> reports)
    {
        var behind = new List<string>();
        foreach (var (deviceId, report) in reports)
        {
            if (await store.RecordReportAsync(session, deviceId, report.Sequence, report.AppliedVersion, report.At, (int)report.Refusal, report.Firmware) && report.Refusal == PolicyRefusal.None)
            {
                behind.Add(deviceId);
            }

            if (report.Refusal != PolicyRefusal.None)
            {
                LogRefused(deviceId, report.Refusal);
            }
        }

        return behind;
    }

    /// <summary>Publishes again the policy in force of devices that report an older one (no new version unless their inputs changed).</summary>
    public async Task ResendToLaggingAsync(IReadOnlyList<string> deviceIds, CancellationToken cancellationToken)
    {
        if (deviceIds.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var failed in (await RepublishAsync(deviceIds, publishUnchanged: true, cancellationToken)).Where(o => o.Error is not null))
            {
                LogResendFailed(failed.DeviceId, failed.Error!.Message);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Their next heartbeat asks again.
            LogResendFailed(string.Join(", ", deviceIds.Take(10)), e.Message);
        }
    }

    /// <summary>How many of the fleet's active devices last reported each firmware version (null: none yet), most first.</summary>
    public async Task<IReadOnlyList<FirmwareCount>> FirmwareAsync(string fleetId)
    {
        await using var session = await database.ReadAsync();
        return await store.FirmwareAsync(session, fleetId);
    }

    public async Task<DevicePolicyStatus?> StateAsync(string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await store.StateAsync(session, deviceId) is { } state ? ToStatus(state) : null;
    }

    /// <summary>Devices whose reported version lags the desired one by at least minLag, longest lag first.</summary>
    public async Task<(IReadOnlyList<DevicePolicyStatus> Devices, string NextPageToken)> LaggingAsync(string fleetId, TimeSpan minLag, PolicyRefusal? refusal, int pageSize, string pageToken)
    {
        var offset = int.TryParse(pageToken, out var parsed) && parsed > 0 ? parsed : 0;
        IReadOnlyList<StoredPolicyState> page;
        await using (var session = await database.ReadAsync())
        {
            page = await store.LaggingAsync(session, fleetId, time.GetUtcNow() - minLag, refusal is { } r ? (int)r : null, pageSize + 1, offset);
        }

        var states = page.Select(ToStatus).ToList();
        var more = states.Count > pageSize;
        return (more ? states[..pageSize] : states, more ? (offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
    }

    private static DevicePolicyStatus ToStatus(StoredPolicyState stored) => new(
        stored.DeviceId,
        (ulong)stored.DesiredVersion,
        DateTimeOffset.FromUnixTimeMilliseconds(stored.DesiredAt),
        (ulong)stored.ReportedVersion,
        stored.ReportedAt is { } reportedAt ? DateTimeOffset.FromUnixTimeMilliseconds(reportedAt) : null,
        stored.LastRefusal == 0 ? null : (PolicyRefusal)stored.LastRefusal);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published policy v{Version} for {DeviceId} ({Bytes} bytes)")]
    private partial void LogPublished(string deviceId, ulong version, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the current policy again to {DeviceId}, which reports an older one, failed: {Error}")]
    private partial void LogResendFailed(string deviceId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} refused its policy: {Refusal}")]
    private partial void LogRefused(string deviceId, PolicyRefusal refusal);
}
