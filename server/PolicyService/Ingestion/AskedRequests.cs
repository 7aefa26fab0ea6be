using System.Security.Cryptography;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Application.Guardians;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// The requests in an uplink's NEEDS_GUARDIAN events, for the guardians' inbox: what each asks for, and
/// when it lapses (more time with the child's local day, the rest a day after it was asked). Events the
/// validation refused, older than the inbox shows, already lapsed, or naming nothing a guardian could
/// answer are left out (they stay in InfluxDB as events). Repeats within the uplink become one request
/// with their count, and one uplink yields at most <see cref="ChildRequestStore.MaxWaitingPerDevice"/>
/// requests: a flood of asks costs the store a bounded amount of work.
/// </summary>
public sealed class AskedRequests(DeviceRegistry devices, PolicyResolver resolver, TimeProvider time, ILogger<AskedRequests> logger)
{
    public static readonly TimeSpan Shown = TimeSpan.FromDays(7);
    public static readonly TimeSpan LapsesAfter = TimeSpan.FromDays(1);

    public async Task<IReadOnlyList<AskedRequest>> OfAsync(string deviceId, UplinkEnvelope uplink, UplinkVerdict verdict)
    {
        if (uplink.BodyCase != UplinkEnvelope.BodyOneofCase.Events)
        {
            return [];
        }

        var now = time.GetUtcNow();
        var asked = uplink.Events.Events
            .Select((e, index) => (Event: e, Index: index))
            .Where(e => e.Event.Kind == EnforcementEventKind.NeedsGuardian && verdict.Accepts(e.Index)
                && e.Event.AtUnix >= (now - Shown).ToUnixTimeSeconds() && e.Event.AtUnix <= (now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds())
            .Select(e => (e.Event, What: ChildRequestKinds.Of((DecisionReason)e.Event.Reason, e.Event.Subject)))
            .Where(e => e.What != ChildRequestKind.Unspecified)
            .ToList();
        if (asked.Count == 0)
        {
            return [];
        }

        var settings = asked.Any(a => a.What == ChildRequestKind.MoreTime) ? await SettingsOfAsync(deviceId) : null;
        return [.. asked
            .Select(a => (a.Event, a.What, Lapses: LapseOf(a.What, DateTimeOffset.FromUnixTimeSeconds(a.Event.AtUnix), settings)))
            .Where(a => a.Lapses > now)
            .GroupBy(a => (a.Event.Reason, a.Event.Subject))
            .Take(ChildRequestStore.MaxWaitingPerDevice)
            .Select(group =>
            {
                var first = group.MinBy(a => a.Event.AtUnix);
                var minutes = first.What == ChildRequestKind.MoreTime ? (int)Math.Min((ulong)Math.Max(first.Event.Detail, 0), TimeGrants.MaxExtensionMinutes) : 0;
                return new AskedRequest(
                    NewId(), deviceId, (int)first.What, (int)first.Event.Reason, first.Event.Subject, first.Event.AtUnix,
                    group.Max(a => a.Event.AtUnix), first.Lapses.ToUnixTimeSeconds(), minutes, group.Count() - 1);
            })];
    }

    private static DateTimeOffset LapseOf(ChildRequestKind what, DateTimeOffset at, PolicySettings? settings)
    {
        var aDayLater = at + LapsesAfter;
        if (what != ChildRequestKind.MoreTime || settings is null)
        {
            return aDayLater;
        }

        var dayEnds = ChildDay.EndOf(settings, at);
        return dayEnds < aDayLater ? dayEnds : aDayLater;
    }

    // The child's day ends where its policy says; when that cannot be resolved now, a request lapses a
    // day after it was asked rather than holding up the device's uplinks.
    private async Task<PolicySettings?> SettingsOfAsync(string deviceId)
    {
        try
        {
            return await devices.FindAsync(deviceId) is { } device ? (await resolver.ResolveAsync(device)).Settings : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Requests of {DeviceId} lapse a day after they were asked: its policy did not resolve ({Error})", deviceId, e.Message);
            return null;
        }
    }

    private static string NewId() => "rq-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
