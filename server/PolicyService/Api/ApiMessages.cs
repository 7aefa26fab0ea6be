using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Application.Devices;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Api;

/// <summary>Domain records to API messages and back: the only place that knows both shapes.</summary>
internal static class ApiMessages
{
    private static readonly Google.Protobuf.Reflection.EnumDescriptor RefusalNames =
        UplinkReflection.Descriptor.EnumTypes.Single(e => e.Name == nameof(PolicyRefusal));

    public static Timestamp? ToTimestamp(this DateTimeOffset? at) => at is { } value ? Timestamp.FromDateTimeOffset(value) : null;

    public static Timestamp ToTimestamp(this DateTimeOffset at) => Timestamp.FromDateTimeOffset(at);

    public static DateTimeOffset? ToOptionalTime(this Timestamp? at) => at?.ToDateTimeOffset();

    public static Fleet ToMessage(this FleetSummary fleet) =>
        new() { Id = fleet.Id, Name = fleet.Name, RegulationProfileId = fleet.ProfileId, DeviceCount = (uint)fleet.DeviceCount };

    public static DeviceModel ToMessage(this ModelRecord model) => new() { Id = model.Id, FleetId = model.FleetId, Name = model.Name };

    public static RegisterDeviceResponse ToMessage(this ProvisionedDevice provisioned)
    {
        var c = provisioned.Credentials;
        return new RegisterDeviceResponse
        {
            DeviceId = c.DeviceId,
            FleetId = c.FleetId,
            ModelId = c.ModelId,
            SerialNumber = c.Serial,
            MqttPassword = c.MqttPassword,
            PolicyKeyId = c.KeyId,
            PolicyKey = ByteString.CopyFrom(c.PolicyKey),
            GuardianCodeSecret = ByteString.CopyFrom(c.GuardianSecret),
            PairingCode = provisioned.PairingCode,
            InitialPolicy = ByteString.CopyFrom(provisioned.InitialPolicy),
        };
    }

    public static PairingCode ToMessage(this IssuedPairingCode code) => new() { Code = code.Code, ExpiresAt = code.ExpiresAt.ToTimestamp() };

    public static SettingsBounds ToMessage(this GuardianBounds bounds, string deviceId) => new()
    {
        DeviceId = deviceId,
        ProfileId = bounds.Profile.Id,
        ProfileName = bounds.Profile.Name,
        AgeBandMinAge = bounds.Band.MinAge,
        AgeBandMaxAge = bounds.Band.MaxAge,
        Limits = bounds.Limits,
        Sources = { bounds.Sources },
        Inherited = bounds.Inherited,
    };

    public static PairedDevice ToMessage(this ChildDevice device) => new()
    {
        DeviceId = device.DeviceId,
        ChildName = device.ChildName,
        Owner = device.Owner,
        ReportedPolicyVersion = device.ReportedVersion,
        LastSeenAt = device.LastSeenAt.ToTimestamp(),
    };

    public static DecommissionDeviceResponse ToMessage(this DecommissionOutcome outcome) => new()
    {
        DecommissionedAt = outcome.DecommissionedAt.ToTimestamp(),
        DataErased = outcome.DataErased,
        GuardiansRemoved = (uint)outcome.GuardiansRemoved,
    };

    public static Rollout ToMessage(this RolloutProgress rollout) => new()
    {
        Id = rollout.Id,
        TotalDevices = (uint)rollout.TotalDevices,
        PublishedDevices = (uint)rollout.PublishedDevices,
        AcknowledgedDevices = (uint)rollout.AcknowledgedDevices,
        State = (RolloutState)rollout.Phase,
        StartedAt = rollout.StartedAt.ToTimestamp(),
        CompletedAt = rollout.CompletedAt.ToTimestamp(),
        FleetId = rollout.FleetId,
        ModelId = rollout.ModelId,
        FailedDevices = (uint)rollout.FailedDevices,
        BaselineRevision = rollout.BaselineRevision,
    };

    public static DevicePolicyState ToMessage(this DevicePolicyStatus status) => new()
    {
        DeviceId = status.DeviceId,
        DesiredVersion = status.DesiredVersion,
        DesiredSince = status.DesiredSince.ToTimestamp(),
        ReportedVersion = status.ReportedVersion,
        LastReportAt = status.LastReportAt.ToTimestamp(),
        // The name of the device's enum value, as documented in the API (e.g. "POLICY_REFUSAL_BAD_MAC").
        LastRefusal = status.LastRefusal is { } refusal
            ? RefusalNames.FindValueByNumber((int)refusal)?.Name ?? ((int)refusal).ToString(CultureInfo.InvariantCulture)
            : string.Empty,
    };

    /// <summary>A refusal by the name the API documents (the device enum's), or a field error for anything else.</summary>
    public static PolicyRefusal ParseRefusal(string name, string field) =>
        RefusalNames.FindValueByName(name) is { } known
            ? (PolicyRefusal)known.Number
            : throw new InvalidInputException(field, "a PolicyRefusal name, e.g. POLICY_REFUSAL_BAD_MAC, or POLICY_REFUSAL_NONE");

    public static BaselineCoverage ToMessage(this PolicyCoverage coverage) => new()
    {
        TotalDevices = (uint)coverage.TotalDevices,
        CurrentDevices = (uint)coverage.CurrentDevices,
        LaggingDevices = (uint)coverage.LaggingDevices,
        NeverSeenDevices = (uint)coverage.NeverSeenDevices,
    };

    public static AuditEntry ToMessage(this AuditRecord entry) => new()
    {
        Sequence = entry.Sequence,
        At = entry.At.ToTimestamp(),
        Actor = entry.Actor,
        Action = entry.Action,
        Subject = entry.Subject,
        BeforeJson = entry.BeforeJson,
        AfterJson = entry.AfterJson,
        Hash = entry.Hash,
    };

    public static AuditCheckpoint ToMessage(this SignedCheckpoint checkpoint) => new()
    {
        Sequence = checkpoint.Sequence,
        HeadHash = checkpoint.HeadHash,
        At = checkpoint.At.ToTimestamp(),
        Signature = ByteString.CopyFrom(checkpoint.Signature),
    };

    public static SignedCheckpoint ToDomain(this AuditCheckpoint checkpoint) =>
        new(checkpoint.Sequence, checkpoint.HeadHash, checkpoint.At.ToOptionalTime(), checkpoint.Signature.ToByteArray());

    public static VerifyAuditChainResponse ToMessage(this ChainVerification verification) => new()
    {
        Intact = verification.Intact,
        EntriesChecked = verification.EntriesChecked,
        FirstBrokenSequence = verification.FirstBrokenSequence,
        CheckpointsChecked = (uint)verification.CheckpointsChecked,
        Problem = verification.Problem,
    };

    public static UsageRow ToMessage(this DailyUsage usage) => new()
    {
        Day = usage.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Category = usage.Category,
        UsedSeconds = (uint)Math.Min(usage.UsedSeconds, uint.MaxValue),
    };

    public static UsageReport ToMessage(this UsageAggregate report) => new()
    {
        MinimumGroupSize = (uint)report.MinimumGroupSize,
        SuppressedGroups = (uint)report.SuppressedGroups,
        Rows =
        {
            report.Groups.Select(g => new UsageReportRow
            {
                AgeBand = (uint)g.AgeBand,
                Category = g.Category,
                Devices = (uint)g.Devices,
                MeanDailyMinutes = g.MeanDailyMinutes,
                P95DailyMinutes = g.P95DailyMinutes,
                MinAge = g.MinAge,
                MaxAge = g.MaxAge,
            }),
        },
    };

    public static EnforcementReport ToMessage(this EnforcementReportData report)
    {
        var totals = report.Totals;
        var message = new EnforcementReport
        {
            CurfewDenials = (ulong)totals.CurfewDenials,
            BudgetDenials = (ulong)totals.BudgetDenials,
            ClockTamperEvents = (ulong)totals.ClockTamperEvents,
            RefusedPolicies = (ulong)totals.RefusedPolicies,
            OfflineCodesRedeemed = (ulong)totals.OfflineCodesRedeemed,
            DevicesWithTamper = (uint)totals.DevicesWithTamper,
            OtherDenials = (ulong)totals.OtherDenials,
            TimeZone = report.TimeZone,
        };
        message.Days.AddRange(report.Days.Select(d => new EnforcementDay
        {
            Day = d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            CurfewDenials = (ulong)d.Totals.CurfewDenials,
            BudgetDenials = (ulong)d.Totals.BudgetDenials,
            ClockTamperEvents = (ulong)d.Totals.ClockTamperEvents,
            RefusedPolicies = (ulong)d.Totals.RefusedPolicies,
            OfflineCodesRedeemed = (ulong)d.Totals.OfflineCodesRedeemed,
            DevicesWithTamper = (uint)d.Totals.DevicesWithTamper,
            OtherDenials = (ulong)d.Totals.OtherDenials,
        }));
        return message;
    }
}
