using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using Microsoft.Extensions.Options;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// Writes points with InfluxDB.Client's direct write API (no unbounded background buffer): a write
/// either succeeded or throws, and the caller acknowledges the device only after success.
/// </summary>
public sealed class TelemetryWriter : IDisposable
{
    private readonly InfluxOptions _options;
    private readonly InfluxDBClient? _client;

    public TelemetryWriter(IOptions<InfluxOptions> options)
    {
        _options = options.Value;
        if (!string.IsNullOrEmpty(_options.Url))
        {
            _client = new InfluxDBClient(_options.Url, _options.Token);
        }
    }

    public bool Enabled => _client is not null;

    /// <summary>Writes the uplinks' lines in one request (each element may hold many lines).</summary>
    public async Task WriteAsync(IReadOnlyList<TelemetryLines> uplinks, CancellationToken cancellationToken)
    {
        var records = uplinks.Where(u => u.Count > 0).Select(u => u.Text).ToList();
        if (_client is null || records.Count == 0)
        {
            return;
        }

        await _client.GetWriteApiAsync().WriteRecordsAsync(records, WritePrecision.Ns, _options.Bucket, _options.Org, cancellationToken);
    }

    public void Dispose() => _client?.Dispose();
}
