using System.Text.Json;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Telemetry;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>One entry of a device's history as its guardians see it.</summary>
public sealed record HistoryItem(
    DateTimeOffset At, HistoryKind Kind, string Actor, uint Minutes, IReadOnlyList<string> ChangedSettings, string GuardianId,
    ChildRequestKind RequestKind = ChildRequestKind.Unspecified);

/// <summary>A page of history: newest first, whether older entries were left out, whether the watch's own entries were readable.</summary>
public sealed record HistoryPage(IReadOnlyList<HistoryItem> Entries, bool Truncated, bool DeviceEntriesUnavailable);

/// <summary>
/// A device's history for its guardians, from two places: the audit log (what guardians and the
/// manufacturer did to the device) and the watch's own events in InfluxDB (extra time applied, offline
/// codes redeemed). A returned unit's earlier families are not shown to the next: the history starts at
/// the last new box code. Access denials and staff reads about the device stay in the audit log only.
/// </summary>
public sealed class ChildHistory(PairingService pairing, AuditLog audit, UsageQueries telemetry, TimeProvider time, ILogger<ChildHistory> logger)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(92);

    private const string PairingReset = "pairing.reissue";

    private static readonly Dictionary<string, HistoryKind> Kinds = new(StringComparer.Ordinal)
    {
        ["guardian-settings.set"] = HistoryKind.RulesChanged,
        ["extension.grant"] = HistoryKind.ExtensionGranted,
        ["offline-code.create"] = HistoryKind.OfflineCodeCreated,
        ["pairing.add"] = HistoryKind.GuardianJoined,
        ["pairing.remove"] = HistoryKind.GuardianRemoved,
        ["pairing.code-issued"] = HistoryKind.InvitationCreated,
        [PairingReset] = HistoryKind.PairingReset,
        ["device.rotate-keys"] = HistoryKind.KeysRotated,
        [ChildRequests.ApprovedOnceAction] = HistoryKind.RequestApproved,
        [ChildRequests.DeclinedAction] = HistoryKind.RequestDeclined,
    };

    private static readonly Wire.EnforcementEventKind[] WatchKinds = [Wire.EnforcementEventKind.CodeRedeemed, Wire.EnforcementEventKind.ExtensionApplied];

    public async Task<HistoryPage> ListAsync(Caller caller, string deviceId, DateTimeOffset? from, DateTimeOffset? to, uint limit, CancellationToken cancellationToken)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        var end = to ?? time.GetUtcNow();
        var start = from ?? end - DefaultSpan;
        if (end <= start || end - start > MaxSpan)
        {
            throw new InvalidInputException("from", $"from before to, at most {MaxSpan.TotalDays:F0} days apart");
        }

        if (limit > MaxLimit)
        {
            throw new InvalidInputException("limit", $"at most {MaxLimit}");
        }

        var take = limit == 0 ? DefaultLimit : (int)limit;
        // Nothing from before the unit's last new box code: that was another family's.
        var reset = (await audit.NewestAsync(deviceId, [PairingReset], DateTimeOffset.FromUnixTimeMilliseconds(0), end, 1)).FirstOrDefault();
        if (reset is not null && reset.At > start)
        {
            start = reset.At;
        }

        var items = (await audit.NewestAsync(deviceId, Kinds.Keys, start, end, take + 1)).Select(FromAudit).ToList();
        var watchUnavailable = false;
        if (telemetry.Enabled)
        {
            try
            {
                items.AddRange((await telemetry.DeviceEventsAsync(deviceId, WatchKinds, start, end, take + 1, cancellationToken)).Select(FromWatch));
            }
            catch (HttpRequestException e)
            {
                // The service's own entries are still worth showing; the page says the watch's are missing.
                logger.LogWarning("History of {Device} without the watch's entries: {Reason}", deviceId, e.Message);
                watchUnavailable = true;
            }
        }
        else
        {
            watchUnavailable = true;
        }

        var newestFirst = items.OrderByDescending(i => i.At).ToList();
        return new HistoryPage([.. newestFirst.Take(take)], newestFirst.Count > take, watchUnavailable);
    }

    private static HistoryItem FromAudit(AuditRecord record)
    {
        var kind = Kinds[record.Action];
        var after = Parse(record.AfterJson);
        var before = Parse(record.BeforeJson);
        return new HistoryItem(
            record.At,
            kind,
            Actor(record.Actor, kind),
            kind is HistoryKind.ExtensionGranted or HistoryKind.OfflineCodeCreated ? UInt(after, "minutes") : 0,
            kind == HistoryKind.RulesChanged ? ChangedSettings(before, after) : [],
            kind switch
            {
                HistoryKind.GuardianJoined => Text(after, "guardian"),
                HistoryKind.GuardianRemoved => Text(before, "guardian"),
                _ => string.Empty,
            },
            Enum.TryParse<ChildRequestKind>(Text(after, "kind"), out var asked) ? asked : ChildRequestKind.Unspecified);
    }

    private static HistoryItem FromWatch(DeviceEvent e) => new(
        e.At,
        e.Kind == Wire.EnforcementEventKind.CodeRedeemed ? HistoryKind.OfflineCodeRedeemed : HistoryKind.ExtensionApplied,
        "device",
        (uint)Math.Clamp(e.Detail, 0, uint.MaxValue),
        [],
        string.Empty);

    // Audit actors are "roles:id". Guardians see each other's ids; the manufacturer's staff stay anonymous.
    private static string Actor(string auditName, HistoryKind kind) => kind is HistoryKind.PairingReset or HistoryKind.KeysRotated
        ? "manufacturer"
        : auditName[(auditName.IndexOf(':', StringComparison.Ordinal) + 1)..];

    /// <summary>The top-level settings (PolicySettings JSON names) whose value differs, in the order they appear.</summary>
    public static IReadOnlyList<string> ChangedSettings(JsonElement? before, JsonElement? after)
    {
        var old = Properties(before);
        var now = Properties(after);
        return [.. now.Keys.Concat(old.Keys).Distinct(StringComparer.Ordinal)
            .Where(name => !old.TryGetValue(name, out var a) || !now.TryGetValue(name, out var b) || a != b)];
    }

    private static Dictionary<string, string> Properties(JsonElement? json) =>
        json is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal) : [];

    private static JsonElement? Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static uint UInt(JsonElement? json, string name) =>
        json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.TryGetUInt32(out var value) ? value : 0;

    private static string Text(JsonElement? json, string name) =>
        json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;
}
