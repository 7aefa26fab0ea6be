using System.Net;
using System.Net.Sockets;

namespace SmartTerminal.InfluxShim;

/// <summary>
/// A compatibility shim for InfluxDB before 1.8 (Debian ships 1.6), which lacks /api/v2/write: maps
/// /api/v2/write?bucket=db/rp onto /write?db=db&amp;rp=rp, exactly what InfluxDB 1.8 added natively,
/// and passes every other request (/query, /ping) through unchanged. Not needed with InfluxDB 1.8+,
/// 2.x or 3.x.
/// </summary>
public sealed class InfluxV2WriteForwarder : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();

    public InfluxV2WriteForwarder(Uri target, int port = 0)
    {
        Port = port != 0 ? port : FreePort();
        _http = new HttpClient { BaseAddress = target };
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _http.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => ForwardAsync(context));
        }
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        var query = request.QueryString;
        string target;
        if (path == "/api/v2/write")
        {
            var bucket = (query["bucket"] ?? string.Empty).Split('/', 2);
            target = $"/write?db={Uri.EscapeDataString(bucket[0])}&precision={query["precision"] ?? "ns"}"
                + (bucket.Length > 1 ? $"&rp={Uri.EscapeDataString(bucket[1])}" : string.Empty);
        }
        else
        {
            target = request.Url.PathAndQuery;
        }

        try
        {
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), target) { Content = new ByteArrayContent(body.ToArray()) };
            if (request.Headers["Content-Encoding"] is { } encoding)
            {
                forward.Content.Headers.ContentEncoding.Add(encoding);
            }

            using var response = await _http.SendAsync(forward);
            context.Response.StatusCode = (int)response.StatusCode;
            var bytes = await response.Content.ReadAsByteArrayAsync();
            await context.Response.OutputStream.WriteAsync(bytes);
        }
        catch (HttpRequestException)
        {
            // The database is down: say so, as a real InfluxDB endpoint that is unreachable would.
            context.Response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
        }

        context.Response.Close();
    }
}
