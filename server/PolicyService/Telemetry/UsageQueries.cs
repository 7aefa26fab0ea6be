using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;

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
    public async Task<IReadOnlyList<UsageRow>> DailyUsageAsync(string deviceId, DateOnly from, DateOnly to, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var start = Utc(from, zone);
        var end = Utc(to.AddDays(1), zone);
        var influxQl = $"SELECT sum(used_seconds) FROM usage WHERE device = '{Escape(deviceId)}' AND time >= {start.ToUnixTimeMilliseconds()}ms AND time < {end.ToUnixTimeMilliseconds()}ms GROUP BY time(15m), category";
        var totals = new SortedDictionary<(string Day, uint Category), long>();
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
                var day = TimeZoneInfo.ConvertTime(sliceStart + (Slice / 2), zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                totals[(day, category)] = totals.GetValueOrDefault((day, category)) + value[1].GetInt64();
            }
        }

        return [.. totals.Select(t => new UsageRow { Day = t.Key.Day, Category = t.Key.Category, UsedSeconds = (uint)t.Value })];
    }

    /// <summary>Total seconds per device and category over a period (for fleet aggregates).</summary>
    public async Task<IReadOnlyList<(string Device, uint Category, long Seconds)>> TotalsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var influxQl = $"SELECT sum(used_seconds) FROM usage WHERE time >= {from.ToUnixTimeMilliseconds()}ms AND time < {to.ToUnixTimeMilliseconds()}ms GROUP BY device, category";
        return [.. (await QueryAsync(influxQl, cancellationToken)).Select(series => (
            series.GetProperty("tags").GetProperty("device").GetString()!,
            uint.Parse(series.GetProperty("tags").GetProperty("category").GetString()!, CultureInfo.InvariantCulture),
            series.GetProperty("values")[0][1].GetInt64()))];
    }

    /// <summary>Event counts per device and event kind over a period; curfew denials counted apart.</summary>
    public async Task<IReadOnlyList<(string Device, int Kind, long Count, long CurfewDenials, long BudgetDenials)>> EventCountsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var range = $"time >= {from.ToUnixTimeMilliseconds()}ms AND time < {to.ToUnixTimeMilliseconds()}ms";
        var counts = await QueryAsync($"SELECT count(reason) FROM events WHERE {range} GROUP BY device, kind", cancellationToken);
        var curfew = await QueryAsync($"SELECT count(reason) FROM events WHERE {range} AND kind = '1' AND reason = 2 GROUP BY device", cancellationToken);
        var budget = await QueryAsync($"SELECT count(reason) FROM events WHERE {range} AND kind = '1' AND (reason = 3 OR reason = 4) GROUP BY device", cancellationToken);
        static Dictionary<string, long> ByDevice(IEnumerable<JsonElement> series) => series.ToDictionary(
            s => s.GetProperty("tags").GetProperty("device").GetString()!, s => s.GetProperty("values")[0][1].GetInt64(), StringComparer.Ordinal);
        var curfewByDevice = ByDevice(curfew);
        var budgetByDevice = ByDevice(budget);
        return [.. counts.Select(s =>
        {
            var device = s.GetProperty("tags").GetProperty("device").GetString()!;
            var kind = int.Parse(s.GetProperty("tags").GetProperty("kind").GetString()!, CultureInfo.InvariantCulture);
            var isDenial = kind == 1;
            return (device, kind, s.GetProperty("values")[0][1].GetInt64(),
                isDenial ? curfewByDevice.GetValueOrDefault(device) : 0L,
                isDenial ? budgetByDevice.GetValueOrDefault(device) : 0L);
        })];
    }

    private async Task<IEnumerable<JsonElement>> QueryAsync(string influxQl, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var database = settings.Bucket.Split('/')[0];
        using var http = httpClients.CreateClient("influx");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{settings.Url!.TrimEnd('/')}/query?db={Uri.EscapeDataString(database)}&q={Uri.EscapeDataString(influxQl)}");
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

    // Device ids are generated by the service ("st-" + hex); escaping is a second line of defence.
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}
