using InfluxDB.Client.Core.Exceptions;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Whether InfluxDB refused a write for good (a 4xx: the same points would be refused again, e.g. a
/// time outside the retention policy) or failed in passing (5xx, timeout, connection), which is retried.
/// </summary>
public static class InfluxFailures
{
    public static bool IsRefusal(Exception e) =>
        e is HttpException { Status: >= 400 and < 500 and not 408 and not 429 and not 401 and not 403 };

    /// <summary>
    /// Everything that is not a refusal, a timeout included (HttpClient reports it as a cancellation);
    /// an expired or wrong token (401/403) is fixed by an operator, not by dropping data.
    /// </summary>
    public static bool IsTransient(Exception e) => !IsRefusal(e);

    /// <summary>The short reason kept with a dead-lettered uplink (InfluxDB's own message, bounded).</summary>
    public static string Reason(Exception e)
    {
        var message = e is HttpException http ? $"InfluxDB refused the write ({http.Status}): {http.Message}" : e.Message;
        return message.Length <= 500 ? message : message[..500];
    }
}
