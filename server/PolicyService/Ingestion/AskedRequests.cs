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
/// validation refused, older than the inbox shows, or naming nothing a guardian could answer are left
/// out (they stay in InfluxDB as events).
/// </summary>
public sealed class AskedRequests(DeviceRegistry devices, PolicyResolver resolver, TimeProvider time)
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

        PolicySettings? settings = null;
        if (asked.Any(a => a.What == ChildRequestKind.MoreTime) && await devices.FindAsync(deviceId) is { } device)
        {
            settings = (await resolver.ResolveAsync(device)).Settings;
        }

        return [.. asked.Select(a =>
        {
            var at = DateTimeOffset.FromUnixTimeSeconds(a.Event.AtUnix);
            var lapses = at + LapsesAfter;
            if (a.What == ChildRequestKind.MoreTime && settings is not null && ChildDay.EndOf(settings, at) < lapses)
            {
                lapses = ChildDay.EndOf(settings, at);
            }

            var minutes = a.What == ChildRequestKind.MoreTime ? (int)Math.Min((ulong)Math.Max(a.Event.Detail, 0), TimeGrants.MaxExtensionMinutes) : 0;
            return new AskedRequest(NewId(), deviceId, (int)a.What, (int)a.Event.Reason, a.Event.Subject, a.Event.AtUnix, lapses.ToUnixTimeSeconds(), minutes);
        })];
    }

    private static string NewId() => "rq-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
