using SmartTerminal.Device.Core.Messages;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

/// <summary>
/// Maps Google.Protobuf messages to the device core's classes field by field, independently of
/// either codec, so that tests can compare what each side decoded or encoded.
/// </summary>
internal static class DeviceMapping
{
    public static DevicePolicy ToDevice(Wire.DevicePolicy p) => new()
    {
        Version = p.Version,
        IssuedAtUnix = p.IssuedAtUnix,
        ValidUntilUnix = p.ValidUntilUnix,
        ProfileId = p.ProfileId.Length == 0 ? null : p.ProfileId,
        AgeBand = p.AgeBand,
        DailyBudgetMinutes = [.. p.DailyBudgetMinutes],
        CategoryBudgets = [.. p.CategoryBudgets.Select(b => new CategoryBudget
        {
            Category = (int)b.Category,
            DailyMinutes = b.DailyMinutes,
            Unlimited = b.Unlimited,
            ExemptFromDailyTotal = b.ExemptFromDailyTotal,
        })],
        AlwaysAllowed = [.. p.AlwaysAllowed.Select(f => (int)f)],
        AllowedWindows = [.. p.AllowedWindows.Select(ToDevice)],
        ClassWindows = [.. p.ClassWindows.Select(ToDevice)],
        ClassAllowedAppIds = [.. p.ClassAllowedAppIds],
        ContinuousUse = p.ContinuousUse is null ? null : new ContinuousUseRule
        {
            LimitMinutes = p.ContinuousUse.LimitMinutes,
            RestMinutes = p.ContinuousUse.RestMinutes,
            ForcedBreak = p.ContinuousUse.ForcedBreak,
            IdleTimeoutSeconds = p.ContinuousUse.IdleTimeoutSeconds,
        },
        WarningMinutes = [.. p.WarningMinutes],
        AppIds = [.. p.Apps.Select(a => a.AppId)],
        AppCategories = [.. p.Apps.Select(a => (byte)a.Category)],
        AppAgeRatings = [.. p.Apps.Select(a => (byte)a.AgeRating)],
        AppAccess = [.. p.Apps.Select(a => (byte)a.Access)],
        MaxAgeRating = p.MaxAgeRating,
        AllowUnlistedApps = p.AllowUnlistedApps,
        DomainMode = (int)p.DomainMode,
        BlockedDomainHashes = [.. p.BlockedDomainHashes],
        AllowedDomainHashes = [.. p.AllowedDomainHashes],
        Contacts = p.Contacts is null ? null : new ContactPolicy
        {
            Mode = (int)p.Contacts.Mode,
            StrangerMessagesAllowed = p.Contacts.StrangerMessagesAllowed,
            MediaMode = (int)p.Contacts.MediaMode,
            NumberHashes = [.. p.Contacts.Contacts.Select(c => c.NumberHash)],
            Roles = [.. p.Contacts.Contacts.Select(c => (byte)c.Role)],
            MediaAllowed = [.. p.Contacts.Contacts.Select(c => c.MediaAllowed)],
            EmergencyNumberHashes = [.. p.Contacts.EmergencyNumberHashes],
        },
        Spending = p.Spending is null ? null : new SpendingRule
        {
            PerTransactionCap = p.Spending.PerTransactionCap,
            DailyCap = p.Spending.DailyCap,
            Currency = p.Spending.Currency.Length == 0 ? null : p.Spending.Currency,
            PaymentsEnabled = p.Spending.PaymentsEnabled,
        },
        Permissions = p.Permissions is null ? null : new PermissionRule
        {
            CameraAllowed = p.Permissions.CameraAllowed,
            MicrophoneAllowed = p.Permissions.MicrophoneAllowed,
            LocationAllowed = p.Permissions.LocationAllowed,
            BlockWhileCharging = p.Permissions.BlockWhileCharging,
        },
        UtcOffsetFromUnix = [.. p.UtcOffsets.Select(o => o.FromUnix)],
        UtcOffsetMinutes = [.. p.UtcOffsets.Select(o => o.OffsetMinutes)],
        OfflineCodes = p.OfflineCodes is null ? null : new OfflineCodeRule
        {
            StepSeconds = p.OfflineCodes.StepSeconds,
            WindowSteps = p.OfflineCodes.WindowSteps,
            Digits = p.OfflineCodes.Digits,
            MaxExtraMinutes = p.OfflineCodes.MaxExtraMinutes,
        },
    };

    public static TimeWindow ToDevice(Wire.TimeWindow w) => new()
    {
        WeekdayMask = w.WeekdayMask,
        StartMinute = w.StartMinute,
        EndMinute = w.EndMinute,
    };

    public static UplinkEnvelope ToDevice(Wire.UplinkEnvelope e)
    {
        var result = new UplinkEnvelope { Sequence = e.Sequence, CreatedAtUnixMs = e.CreatedAtUnixMs };
        switch (e.BodyCase)
        {
            case Wire.UplinkEnvelope.BodyOneofCase.Usage:
                result.Body = UplinkBody.Usage;
                result.Usage = [.. e.Usage.Records.Select(r => new UsageRecord
                {
                    BucketStartUnix = r.BucketStartUnix,
                    BucketSeconds = r.BucketSeconds,
                    Category = (int)r.Category,
                    AppId = r.AppId,
                    UsedSeconds = r.UsedSeconds,
                })];
                break;
            case Wire.UplinkEnvelope.BodyOneofCase.Events:
                result.Body = UplinkBody.Events;
                result.Events = [.. e.Events.Events.Select(v => new EnforcementEvent
                {
                    AtUnix = v.AtUnix,
                    Kind = (int)v.Kind,
                    Reason = v.Reason,
                    Subject = v.Subject,
                    Detail = v.Detail,
                })];
                break;
            case Wire.UplinkEnvelope.BodyOneofCase.PolicyAck:
                result.Body = UplinkBody.PolicyAck;
                result.PolicyAck = new PolicyAck
                {
                    AppliedVersion = e.PolicyAck.AppliedVersion,
                    RefusedVersion = e.PolicyAck.RefusedVersion,
                    Refusal = (int)e.PolicyAck.Refusal,
                };
                break;
            case Wire.UplinkEnvelope.BodyOneofCase.Heartbeat:
                result.Body = UplinkBody.Heartbeat;
                result.Heartbeat = new Heartbeat
                {
                    FirmwareVersion = e.Heartbeat.FirmwareVersion.Length == 0 ? null : e.Heartbeat.FirmwareVersion,
                    PolicyVersion = e.Heartbeat.PolicyVersion,
                    OutboxBytes = e.Heartbeat.OutboxBytes,
                    OutboxMessages = e.Heartbeat.OutboxMessages,
                    ClockState = (int)e.Heartbeat.ClockState,
                    UptimeSeconds = e.Heartbeat.UptimeSeconds,
                    FreeHeapBytes = e.Heartbeat.FreeHeapBytes,
                    UsageCompleteThroughUnix = e.Heartbeat.UsageCompleteThroughUnix,
                };
                break;
        }

        return result;
    }

    public static ControlMessage ToDevice(Wire.ControlMessage c) => c.BodyCase switch
    {
        Wire.ControlMessage.BodyOneofCase.UplinkAck => new ControlMessage { Body = ControlBody.UplinkAck, AckedThroughSequence = c.UplinkAck.AckedThroughSequence },
        Wire.ControlMessage.BodyOneofCase.TimeSync => new ControlMessage { Body = ControlBody.TimeSync, ServerUnixMs = c.TimeSync.ServerUnixMs },
        Wire.ControlMessage.BodyOneofCase.Extension => new ControlMessage
        {
            Body = ControlBody.Extension,
            GrantId = c.Extension.GrantId,
            ExtraMinutes = c.Extension.ExtraMinutes,
            Category = c.Extension.Category,
            ValidUntilUnix = c.Extension.ValidUntilUnix,
        },
        Wire.ControlMessage.BodyOneofCase.GuardianAnswer => new ControlMessage
        {
            Body = ControlBody.GuardianAnswer,
            AskedAtUnix = c.GuardianAnswer.AskedAtUnix,
            AnswerReason = c.GuardianAnswer.Reason,
            AnswerSubject = c.GuardianAnswer.Subject,
            Approved = c.GuardianAnswer.Approved,
        },
        _ => new ControlMessage(),
    };

    public static DeviceConfig ToDevice(Wire.DeviceConfig c) => new()
    {
        FormatVersion = c.FormatVersion,
        DeviceId = NullIfEmpty(c.DeviceId),
        FleetId = NullIfEmpty(c.FleetId),
        ModelId = NullIfEmpty(c.ModelId),
        MqttHost = NullIfEmpty(c.MqttHost),
        MqttPort = c.MqttPort,
        MqttTls = c.MqttTls,
        MqttCaPem = NullIfEmpty(c.MqttCaPem),
        MqttPassword = NullIfEmpty(c.MqttPassword),
        PolicyKeyId = c.PolicyKeyId,
        PolicyKey = c.PolicyKey.Length == 0 ? null : c.PolicyKey.ToByteArray(),
        GuardianCodeSecret = c.GuardianCodeSecret.Length == 0 ? null : c.GuardianCodeSecret.ToByteArray(),
        InitialPolicy = c.InitialPolicy.Length == 0 ? null : c.InitialPolicy.ToByteArray(),
        OutboxCapacityBytes = c.OutboxCapacityBytes,
        HeartbeatSeconds = c.HeartbeatSeconds,
        SntpServers = [.. c.SntpServers],
    };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
