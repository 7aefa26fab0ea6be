using System.Globalization;
using System.Text;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole.Fleets;

/// <summary>
/// The lagging devices of a fleet as a CSV download (RFC 4180, UTF-8 with a byte-order mark so that
/// spreadsheet programs read it as UTF-8), streamed page by page with the manufacturer's own token, so
/// the service authorizes and audits it as any other read. Times are UTC, as the page shows them.
/// </summary>
public static class LaggingCsv
{
    /// <summary>Rows at most per download; the file says when it stopped there.</summary>
    public const int MaxRows = 1_000_000;

    private const uint PageSize = 1000;

    public static async Task HandleAsync(HttpContext context, string fleetId, int? minLagHours, string? reason, PolicyServiceCalls calls)
    {
        var filter = LaggingFilter.From(minLagHours, reason);
        ListLaggingDevicesResponse page;
        try
        {
            page = await calls.Manufacturers.ListLaggingDevicesAsync(filter.Request(fleetId, PageSize, string.Empty), await calls.AsUserAsync(cancellationToken: context.RequestAborted));
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.InvalidArgument)
        {
            context.Response.StatusCode = e.StatusCode == StatusCode.InvalidArgument ? StatusCodes.Status400BadRequest : StatusCodes.Status404NotFound;
            return;
        }

        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"lagging-{DownloadNames.Part(fleetId)}-{DateTime.UtcNow:yyyyMMdd}.csv\"";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await writer.WriteAsync("device_id,desired_version,reported_version,desired_since_utc,last_report_utc,last_refusal\r\n");
        var rows = 0;
        while (true)
        {
            foreach (var device in page.Devices)
            {
                if (rows++ == MaxRows)
                {
                    await writer.WriteAsync($"# stopped after {MaxRows} rows; narrow the filter\r\n");
                    return;
                }

                await writer.WriteAsync(string.Join(',', Field(device.DeviceId), device.DesiredVersion.ToString(CultureInfo.InvariantCulture),
                    device.ReportedVersion.ToString(CultureInfo.InvariantCulture), Utc(device.DesiredSince), Utc(device.LastReportAt), Field(device.LastRefusal)) + "\r\n");
            }

            if (page.NextPageToken.Length == 0)
            {
                return;
            }

            page = await calls.Manufacturers.ListLaggingDevicesAsync(filter.Request(fleetId, PageSize, page.NextPageToken), await calls.AsUserAsync(cancellationToken: context.RequestAborted));
        }
    }

    private static string Utc(Google.Protobuf.WellKnownTypes.Timestamp? at) =>
        at is null ? string.Empty : at.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // Quoted where needed; a leading = + - @ is defused so a spreadsheet does not run it as a formula.
    private static string Field(string value)
    {
        var safe = value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
