using System.Net.Http.Json;
using System.Text.Json;

namespace SmartTerminal.Testing;

/// <summary>
/// A real InfluxDB 1.x (Debian's influxd) on a free loopback port with its data in a temporary folder.
/// It can be stopped and started again on the same port and data, to play "the database is down".
/// </summary>
public sealed class InfluxDbServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _config;
    private ChildProcess? _process;

    private InfluxDbServer(string directory, string config, int port)
    {
        _directory = directory;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <param name="index">The series index: "inmem" (1.x default) or "tsi1" (disk-based, for millions of series).</param>
    public static async Task<InfluxDbServer> StartAsync(string database, string index = "inmem")
    {
        var directory = Directory.CreateTempSubdirectory("st-influx-").FullName;
        var port = FreePort.Next();
        var config = Path.Combine(directory, "influxdb.conf");
        await File.WriteAllTextAsync(config, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{FreePort.Next()}"
            [meta]
              dir = "{directory}/meta"
            [data]
              dir = "{directory}/data"
              wal-dir = "{directory}/wal"
              query-log-enabled = false
              index-version = "{index}"
              max-series-per-database = 0
            [http]
              enabled = true
              bind-address = "127.0.0.1:{port}"
              log-enabled = false
            [monitor]
              store-enabled = false
            [continuous_queries]
              enabled = false
            """);
        var server = new InfluxDbServer(directory, config, port);
        await server.StartAgainAsync();
        await server.QueryAsync($"CREATE DATABASE \"{database}\"", database, post: true);
        return server;
    }

    /// <summary>Starts influxd (again) on the same port and data.</summary>
    public async Task StartAgainAsync()
    {
        _process = ChildProcess.Start("influxd", ["-config", _config], _directory);
        using var http = new HttpClient();
        var up = await Eventually.TrueWithin(TimeSpan.FromSeconds(30), async () =>
            _process.HasExited || (await http.GetAsync(new Uri(Url, "/ping"))).IsSuccessStatusCode);
        if (!up || _process.HasExited)
        {
            throw new InvalidOperationException("influxd did not start:\n" + _process.Output);
        }
    }

    /// <summary>Stops influxd, keeping its data: "the database is down".</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Runs InfluxQL through /query (served by 1.x, 2.x and 3.x alike) and returns the JSON.</summary>
    public async Task<JsonElement> QueryAsync(string influxQl, string database, bool post = false)
    {
        using var http = new HttpClient { BaseAddress = Url };
        var uri = $"/query?db={Uri.EscapeDataString(database)}&q={Uri.EscapeDataString(influxQl)}";
        var response = post ? await http.PostAsync(uri, null) : await http.GetAsync(uri);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
