using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// Reads usage back with InfluxQL over /query, which InfluxDB 1.x, 2.x (DBRP mapping) and 3.x all
/// serve (Flux is not available in 3.x). Sums come in 15-minute slices and are added up per local day
/// of the child's time zone here, so daylight-saving days and half-hour zones come out right.
/// </summary>
public sealed class UsageQueries(IOptions<InfluxOptions> options, IHttpClientFactory httpClients)
{
    private static readonly TimeSpan Slice = TimeSpan.FromMinutes(15);

    public bool Enabled => !string.IsNullOrEmpty(options.Value.Url);

    /// <summary>Seconds used per local day and category, for one device, days [from, to] inclusive.</summary>
    public async Task<IReadOnlyList<DailyUsage>> DailyUsageAsync(string deviceId, DateOnly from, DateOnly to, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var start = Utc(from, zone);
        var end = Utc(to.AddDays(1), zone);
        var device = $"device = '{Escape(deviceId)}'";
        var influxQl = $"SELECT sum(used_seconds) FROM usage WHERE {device} AND {Fine} AND {Between(start, end)} GROUP BY time(15m), category";
        var totals = new SortedDictionary<(DateOnly Day, uint Category), double>();
        foreach (var series in await QueryAsync(influxQl, cancellationToken))
        {
            var category = uint.Parse(series.GetProperty("tags").GetProperty("category").GetString()!, CultureInfo.InvariantCulture);
            foreach (var value in series.GetProperty("values").EnumerateArray())
            {
                if (value[1].ValueKind != JsonValueKind.Number)
                {
                    continue;
                }

                var sliceStart = DateTimeOffset.Parse(value[0].GetString()!, CultureInfo.InvariantCulture);
                var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(sliceStart + (Slice / 2), zone).DateTime);
                totals[(day, category)] = totals.GetValueOrDefault((day, category)) + value[1].GetInt64();
            }
        }

        foreach (var coarse in await CoarseAsync(device, start, end, cancellationToken))
        {
            foreach (var (slice, seconds) in BucketSpread.Over(coarse.Start, coarse.BucketSeconds, coarse.UsedSeconds, start, end))
            {
                var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(slice + (Slice / 2), zone).DateTime);
                totals[(day, coarse.Category)] = totals.GetValueOrDefault((day, coarse.Category)) + seconds;
            }
        }

        return [.. totals.Where(t => t.Value >= 0.5).Select(t => new DailyUsage(t.Key.Day, t.Key.Category, (long)Math.Round(t.Value)))];
    }

    /// <summary>One device's events of the given kinds in [from, to), newest first, at most limit.</summary>
    public async Task<IReadOnlyList<DeviceEvent>> DeviceEventsAsync(string deviceId, IReadOnlyCollection<Wire.EnforcementEventKind> kinds, DateTimeOffset from, DateTimeOffset to, int limit, CancellationToken cancellationToken)
    {
        var ofKinds = string.Join(" OR ", kinds.Select(k => $"kind = '{(int)k}'"));
        var influxQl = $"SELECT detail FROM events WHERE device = '{Escape(deviceId)}' AND ({ofKinds}) AND {Between(from, to)} GROUP BY kind ORDER BY time DESC LIMIT {limit}";
        var events = new List<DeviceEvent>();
        foreach (var series in await QueryAsync(influxQl, cancellationToken))
        {
            var kind = (Wire.EnforcementEventKind)int.Parse(series.GetProperty("tags").GetProperty("kind").GetString()!, CultureInfo.InvariantCulture);
            foreach (var value in series.GetProperty("values").EnumerateArray())
            {
                if (value[1].ValueKind == JsonValueKind.Number)
                {
                    events.Add(new DeviceEvent(DateTimeOffset.Parse(value[0].GetString()!, CultureInfo.InvariantCulture), kind, value[1].GetInt64()));
                }
            }
        }

        // LIMIT holds per kind: the newest of all kinds together.
        return [.. events.OrderByDescending(e => e.At).Take(limit)];
    }

    /// <summary>Total seconds per device of a fleet and category over a period (for fleet aggregates); Day is null.</summary>
    public Task<IReadOnlyList<CategoryTotal>> TotalsAsync(string fleetId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
        TotalsAsync(fleetId, from, to, dayOffset: null, cancellationToken);

    /// <summary>Seconds per device of a fleet, category and day, with days cut at the given UTC offset.</summary>
    public Task<IReadOnlyList<CategoryTotal>> DailyTotalsAsync(string fleetId, DateTimeOffset from, DateTimeOffset to, TimeSpan utcOffset, CancellationToken cancellationToken) =>
        TotalsAsync(fleetId, from, to, utcOffset, cancellationToken);

    /// <summary>Event counts per device of a fleet, event kind and day, with days cut at the given UTC offset.</summary>
    public Task<IReadOnlyList<EventCount>> DailyEventCountsAsync(string fleetId, DateTimeOffset from, DateTimeOffset to, TimeSpan utcOffset, CancellationToken cancellationToken) =>
        EventCountsAsync(fleetId, from, to, utcOffset, cancellationToken);

    private async Task<IReadOnlyList<CategoryTotal>> TotalsAsync(string fleetId, DateTimeOffset from, DateTimeOffset to, TimeSpan? dayOffset, CancellationToken cancellationToken)
    {
        var influxQl = $"SELECT sum(used_seconds) FROM usage WHERE {Range(fleetId, from, to)} AND {Fine} GROUP BY {Days(dayOffset)}device, category";
        var totals = new Dictionary<(string Device, uint Category, DateOnly? Day), double>();
        foreach (var p in Points(await QueryAsync(influxQl, cancellationToken), dayOffset))
        {
            var key = (p.Tag("device"), uint.Parse(p.Tag("category"), CultureInfo.InvariantCulture), p.Day);
            totals[key] = totals.GetValueOrDefault(key) + p.Value;
        }

        foreach (var coarse in await CoarseAsync($"fleet = '{Escape(fleetId)}'", from, to, cancellationToken))
        {
            foreach (var (slice, seconds) in BucketSpread.Over(coarse.Start, coarse.BucketSeconds, coarse.UsedSeconds, from, to))
            {
                // Offsets are whole quarter hours, so a slice lies within one day.
                DateOnly? day = dayOffset is { } offset ? DateOnly.FromDateTime((slice + offset).UtcDateTime) : null;
                var key = (coarse.Device, coarse.Category, day);
                totals[key] = totals.GetValueOrDefault(key) + seconds;
            }
        }

        return [.. totals.Where(t => t.Value >= 0.5).Select(t => new CategoryTotal(t.Key.Device, t.Key.Category, t.Key.Day, (long)Math.Round(t.Value)))];
    }

    // Records that fit a slice are summed by InfluxDB; longer (merged) ones are read one by one and spread.
    private static string Fine => $"bucket_seconds <= {BucketSpread.SliceSeconds}";

    private static string Between(DateTimeOffset from, DateTimeOffset to) =>
        $"time >= {from.ToUnixTimeMilliseconds()}ms AND time < {to.ToUnixTimeMilliseconds()}ms";

    /// <summary>The merged records that may overlap [from, to): they start up to the longest bucket earlier.</summary>
    private async Task<IReadOnlyList<CoarseRecord>> CoarseAsync(string filter, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var influxQl = $"SELECT used_seconds, bucket_seconds FROM usage WHERE {filter} AND bucket_seconds > {BucketSpread.SliceSeconds} AND {Between(from - BucketSpread.LongestBucket, to)} GROUP BY device, category";
        var records = new List<CoarseRecord>();
        foreach (var series in await QueryAsync(influxQl, cancellationToken))
        {
            var tags = series.GetProperty("tags");
            var device = tags.GetProperty("device").GetString()!;
            var category = uint.Parse(tags.GetProperty("category").GetString()!, CultureInfo.InvariantCulture);
            foreach (var value in series.GetProperty("values").EnumerateArray())
            {
                if (value[1].ValueKind == JsonValueKind.Number && value[2].ValueKind == JsonValueKind.Number)
                {
                    // The point's time is the bucket's start plus a sub-second offset (TelemetryPoints): whole seconds.
                    var at = DateTimeOffset.Parse(value[0].GetString()!, CultureInfo.InvariantCulture);
                    var start = DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
                    records.Add(new CoarseRecord(device, category, start, value[2].GetInt64(), value[1].GetInt64()));
                }
            }
        }

        return records;
    }

    private readonly record struct CoarseRecord(string Device, uint Category, DateTimeOffset Start, long BucketSeconds, long UsedSeconds);

    private async Task<IReadOnlyList<EventCount>> EventCountsAsync(string fleetId, DateTimeOffset from, DateTimeOffset to, TimeSpan? dayOffset, CancellationToken cancellationToken)
    {
        var range = Range(fleetId, from, to);
        var days = Days(dayOffset);
        var counts = Points(await QueryAsync($"SELECT count(reason) FROM events WHERE {range} GROUP BY {days}device, kind", cancellationToken), dayOffset);
        // The kind tag is the EnforcementEventKind number, the reason field a DecisionReason number (uplink.proto).
        var denied = $"kind = '{(int)Wire.EnforcementEventKind.Denied}'";
        var curfew = Points(await QueryAsync($"SELECT count(reason) FROM events WHERE {range} AND {denied} AND reason = {(int)Wire.DecisionReason.Curfew} GROUP BY {days}device", cancellationToken), dayOffset)
            .ToDictionary(p => (p.Tag("device"), p.Day), p => p.Value);
        var budget = Points(await QueryAsync($"SELECT count(reason) FROM events WHERE {range} AND {denied} AND (reason = {(int)Wire.DecisionReason.DailyBudget} OR reason = {(int)Wire.DecisionReason.CategoryBudget}) GROUP BY {days}device", cancellationToken), dayOffset)
            .ToDictionary(p => (p.Tag("device"), p.Day), p => p.Value);
        return [.. counts.Select(p =>
        {
            var device = p.Tag("device");
            var kind = int.Parse(p.Tag("kind"), CultureInfo.InvariantCulture);
            var isDenial = kind == (int)Wire.EnforcementEventKind.Denied;
            return new EventCount(device, kind, p.Day, p.Value,
                isDenial ? curfew.GetValueOrDefault((device, p.Day)) : 0L,
                isDenial ? budget.GetValueOrDefault((device, p.Day)) : 0L);
        })];
    }

    private static string Range(string fleetId, DateTimeOffset from, DateTimeOffset to) =>
        $"fleet = '{Escape(fleetId)}' AND time >= {from.ToUnixTimeMilliseconds()}ms AND time < {to.ToUnixTimeMilliseconds()}ms";

    // InfluxQL cuts 1d buckets at UTC midnight plus an offset; local midnight at UTC+8 is 16:00 UTC.
    private static string Days(TimeSpan? utcOffset) => utcOffset is { } offset
        ? $"time(1d, {(((int)-offset.TotalMinutes % 1440) + 1440) % 1440}m), "
        : string.Empty;

    // Every non-empty value of every series; with day buckets, each bucket's local calendar day.
    private static IEnumerable<SeriesPoint> Points(IEnumerable<JsonElement> series, TimeSpan? dayOffset)
    {
        foreach (var s in series)
        {
            var tags = s.GetProperty("tags");
            foreach (var value in s.GetProperty("values").EnumerateArray())
            {
                if (value[1].ValueKind != JsonValueKind.Number || value[1].GetInt64() == 0)
                {
                    continue;
                }

                DateOnly? day = dayOffset is { } offset
                    ? DateOnly.FromDateTime((DateTimeOffset.Parse(value[0].GetString()!, CultureInfo.InvariantCulture) + offset).UtcDateTime)
                    : null;
                yield return new SeriesPoint(tags, day, value[1].GetInt64());
            }
        }
    }

    /// <summary>
    /// Erases every series of the device (all measurements). InfluxQL's DROP SERIES, as InfluxDB 1.x
    /// serves it; 2.x and 3.x refuse deletes over /query (they have their own delete APIs, not used here).
    /// </summary>
    public async Task EraseDeviceAsync(string deviceId, CancellationToken cancellationToken) =>
        await QueryAsync($"DROP SERIES WHERE device = '{Escape(deviceId)}'", cancellationToken, HttpMethod.Post);

    private async Task<IEnumerable<JsonElement>> QueryAsync(string influxQl, CancellationToken cancellationToken, HttpMethod? method = null)
    {
        var settings = options.Value;
        var database = settings.Bucket.Split('/')[0];
        using var http = httpClients.CreateClient("influx");
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, $"{settings.Url!.TrimEnd('/')}/query?db={Uri.EscapeDataString(database)}&q={Uri.EscapeDataString(influxQl)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", settings.Token);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var result = document.RootElement.GetProperty("results")[0];
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException("InfluxDB: " + error.GetString());
        }

        return result.TryGetProperty("series", out var series) ? [.. series.EnumerateArray().Select(s => s.Clone())] : [];
    }

    private static DateTimeOffset Utc(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    // Device and fleet ids are generated by the service (prefix + hex); escaping is a second line of defence.
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    private readonly record struct SeriesPoint(JsonElement Tags, DateOnly? Day, long Value)
    {
        public string Tag(string name) => Tags.GetProperty(name).GetString()!;
    }
}

/// <summary>Seconds one device spent in one category over a period, or on one day when Day is set.</summary>
public readonly record struct DeviceEvent(DateTimeOffset At, Wire.EnforcementEventKind Kind, long Detail);

public readonly record struct CategoryTotal(string Device, uint Category, DateOnly? Day, long Seconds);

/// <summary>Events of one kind from one device over a period, or on one day when Day is set; denials split by reason.</summary>
public readonly record struct EventCount(string Device, int Kind, DateOnly? Day, long Count, long CurfewDenials, long BudgetDenials)
{
    /// <summary>Denials for any reason but curfew and budgets (0 for other kinds of event).</summary>
    public long OtherDenials => Kind == (int)Wire.EnforcementEventKind.Denied ? Count - CurfewDenials - BudgetDenials : 0;
}
