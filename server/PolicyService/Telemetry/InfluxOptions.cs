namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// Where telemetry goes (design brief section 6): writes through InfluxDB.Client to /api/v2/write,
/// which InfluxDB 1.8+, 2.x and 3.x serve. Without a URL, telemetry is not stored and uplinks are not
/// acknowledged, so devices keep their data until a database is configured.
/// </summary>
public sealed class InfluxOptions
{
    public const string Section = "Influx";

    /// <summary>Base URL, e.g. http://127.0.0.1:8086; empty = telemetry storage off.</summary>
    public string? Url { get; set; }

    /// <summary>API token (2.x/3.x) or "user:password" (1.x); required with <see cref="Url"/>.</summary>
    public string Token { get; set; } = string.Empty;

    /// <summary>Organisation (ignored by 1.x).</summary>
    public string Org { get; set; } = "smartterminal";

    /// <summary>Bucket; for 1.x "database/retention-policy".</summary>
    public string Bucket { get; set; } = "smartterminal/autogen";
}
