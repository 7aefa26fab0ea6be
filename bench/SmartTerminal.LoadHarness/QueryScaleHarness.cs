using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Telemetry;
using SmartTerminal.Testing;

namespace SmartTerminal.LoadHarness;

/// <summary>
/// How the service's usage queries scale with the number of devices' series in InfluxDB (issue 11,
/// point schema): one fleet of N devices, each with a day of hourly usage in two categories (plus one
/// merged bucket per hundred devices), written with the service's own tags; then the guardian's
/// query for one device and the compliance queries over the whole fleet, each the median of 5 runs.
/// The baseline in the same run: the same queries with 1,000 devices' data.
/// </summary>
internal static class QueryScaleHarness
{
    private const string Database = "smartterminal";
    private const string Fleet = "fl-scale";
    private static readonly DateTimeOffset Day = new(DateTimeOffset.UtcNow.AddDays(-2).Date, TimeSpan.Zero);

    public static async Task RunAsync(int[] deviceCounts, string index)
    {
        Console.WriteLine($"usage queries against InfluxDB 1.6 ({index} index), one fleet, a day of hourly usage in 2 categories per device");
        Console.WriteLine("  | devices | series | load s | guardian day ms | fleet totals ms | fleet daily (UTC+8) ms |");
        foreach (var devices in new[] { 1_000 }.Concat(deviceCounts))
        {
            await using var influx = await InfluxDbServer.StartAsync(Database, index);
            var load = Stopwatch.StartNew();
            await LoadAsync(influx, devices);
            var loaded = load.Elapsed;
            var series = await SeriesAsync(influx);
            using var http = new SingleClientFactory();
            var queries = new UsageQueries(Options.Create(new InfluxOptions { Url = influx.Url.ToString(), Bucket = Database + "/autogen", Token = "scale:secret" }), http);
            var day = DateOnly.FromDateTime(Day.UtcDateTime);
            var guardian = await MedianAsync(() => queries.DailyUsageAsync(Device(devices / 2), day, day, TimeZoneInfo.Utc, CancellationToken.None));
            var totals = await MedianAsync(() => queries.TotalsAsync(Fleet, Day, Day.AddDays(1), CancellationToken.None));
            var daily = await MedianAsync(() => queries.DailyTotalsAsync(Fleet, Day, Day.AddDays(1), TimeSpan.FromHours(8), CancellationToken.None));
            Console.WriteLine($"  | {devices,7:N0} | {series,6:N0} | {loaded.TotalSeconds,6:F1} | {guardian,15:F1} | {totals,15:F1} | {daily,22:F1} |");
        }
    }

    private static string Device(int i) => "st-" + i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task LoadAsync(InfluxDbServer influx, int devices)
    {
        using var http = new HttpClient();
        var write = new Uri(influx.Url, $"/write?db={Database}&precision=s");
        var body = new StringBuilder();
        var lines = 0;
        for (var d = 0; d < devices; d++)
        {
            for (var hour = 0; hour < 24; hour++)
            {
                foreach (var category in new[] { 5, 2 })
                {
                    body.Append("usage,category=").Append(category).Append(",device=").Append(Device(d)).Append(",fleet=").Append(Fleet)
                        .Append(" app=7i,bucket_seconds=300i,used_seconds=").Append(60 + (d % 120)).Append("i ").Append(Day.AddHours(hour).ToUnixTimeSeconds()).Append('\n');
                    lines++;
                }
            }

            if (d % 100 == 0)
            {
                // An outbox merged after days offline: spread by the queries, not summed on one day.
                body.Append("usage,category=5,device=").Append(Device(d)).Append(",fleet=").Append(Fleet)
                    .Append(" app=7i,bucket_seconds=172800i,used_seconds=36000i ").Append(Day.AddDays(-1).ToUnixTimeSeconds() + 1).Append('\n');
                lines++;
            }

            if (lines >= 5_000 || d == devices - 1)
            {
                using var response = await http.PostAsync(write, new StringContent(body.ToString()));
                response.EnsureSuccessStatusCode();
                body.Clear();
                lines = 0;
            }
        }
    }

    private static async Task<long> SeriesAsync(InfluxDbServer influx)
    {
        var result = await influx.QueryAsync("SHOW SERIES CARDINALITY", Database);
        var series = result.GetProperty("results")[0];
        return series.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][0].GetInt64() : 0;
    }

    private static async Task<double> MedianAsync<T>(Func<Task<T>> query)
    {
        await query();
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            await query();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return times.Order().ElementAt(2);
    }

    // One connection pool for every client the queries create (they dispose their client, not the pool).
    private sealed class SingleClientFactory : IHttpClientFactory, IDisposable
    {
        private readonly SocketsHttpHandler _handler = new();

        public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false) { Timeout = TimeSpan.FromMinutes(5) };

        public void Dispose() => _handler.Dispose();
    }
}
