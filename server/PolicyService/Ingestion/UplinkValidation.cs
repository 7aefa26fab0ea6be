using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>Which records (or events, or the heartbeat as index 0) of an uplink are refused, and why.</summary>
public sealed record UplinkVerdict(IReadOnlySet<int> Rejected, string? Reason)
{
    public static readonly UplinkVerdict AllAccepted = new(new HashSet<int>(), null);

    public bool Accepts(int index) => !Rejected.Contains(index);
}

/// <summary>
/// Device-chosen values that become InfluxDB timestamps and tags: a record's time must lie within a
/// window around the service's clock (and not before the device was registered), its category or
/// event kind must be one the contracts define, and its numbers must be possible. One uplink naming
/// 300 different weeks would otherwise create 300 shards; an unknown category, a new series.
/// Refused records keep their index, so the accepted ones get the same point timestamps on a resend.
/// </summary>
public static class UplinkValidation
{
    // The longest bucket a device builds: the outbox merges old records into coarser buckets, never past a month.
    // A bucket's use may exceed its length by rounding of older firmware; a tenth more is still possible.
    private const uint MaxBucketSeconds = 31 * 24 * 3600;

    public static UplinkVerdict Check(UplinkEnvelope uplink, DateTimeOffset now, DateTimeOffset registeredAt, TelemetryOptions limits)
    {
        var earliest = Math.Max(now.AddDays(-limits.MaxRecordAgeDays).ToUnixTimeSeconds(), registeredAt.AddDays(-1).ToUnixTimeSeconds());
        var latest = now.AddMinutes(limits.MaxRecordAheadMinutes).ToUnixTimeSeconds();
        string? TimeProblem(long unix) => unix < earliest ? "before the accepted window" : unix > latest ? "ahead of the service's clock" : null;

        return uplink.BodyCase switch
        {
            UplinkEnvelope.BodyOneofCase.Usage => Verdict("usage record", uplink.Usage.Records.Select(r =>
                TimeProblem(r.BucketStartUnix)
                ?? (!Enum.IsDefined(r.Category) ? "with an unknown category" : null)
                ?? (r.BucketSeconds == 0 || r.BucketSeconds > MaxBucketSeconds || r.UsedSeconds > r.BucketSeconds + (r.BucketSeconds / 10) ? "with impossible durations" : null))),
            UplinkEnvelope.BodyOneofCase.Events => Verdict("event", uplink.Events.Events.Select(e =>
                TimeProblem(e.AtUnix) ?? (!Enum.IsDefined(e.Kind) ? "of an unknown kind" : null))),
            UplinkEnvelope.BodyOneofCase.Heartbeat => Verdict("heartbeat", [TimeProblem(uplink.CreatedAtUnixMs / 1000)]),
            _ => UplinkVerdict.AllAccepted,
        };
    }

    private static UplinkVerdict Verdict(string what, IEnumerable<string?> problems)
    {
        var list = problems.ToList();
        if (list.All(p => p is null))
        {
            return UplinkVerdict.AllAccepted;
        }

        var rejected = Enumerable.Range(0, list.Count).Where(i => list[i] is not null).ToHashSet();
        var reason = string.Join("; ", list.Where(p => p is not null).GroupBy(p => p).Select(g => $"{g.Count()} {what}(s) {g.Key}"));
        return new UplinkVerdict(rejected, reason);
    }
}
