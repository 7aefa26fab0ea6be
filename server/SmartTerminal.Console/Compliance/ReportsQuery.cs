using Google.Protobuf.WellKnownTypes;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Compliance;

/// <summary>
/// The reports page's query (a GET form, so a report can be bookmarked and shared): the fleet, the first
/// and last local day and the zone that cuts them. Both reports cover those whole days.
/// </summary>
public sealed class ReportsQuery
{
    /// <summary>Longest period the page charts (one bar a day); the export takes up to a year.</summary>
    public const int MaxDays = 31;

    public string FleetId { get; init; } = string.Empty;

    public string FromDay { get; init; } = string.Empty;

    public string ToDay { get; init; } = string.Empty;

    public string TimeZone { get; init; } = LocalDays.Zones[0];

    /// <summary>The query as given, blanks filled with the last seven whole days in the first zone.</summary>
    public static ReportsQuery From(string? fleetId, string? fromDay, string? toDay, string? timeZone, DateTimeOffset now)
    {
        var zone = string.IsNullOrWhiteSpace(timeZone) ? LocalDays.Zones[0] : timeZone.Trim();
        var today = LocalDays.Zones.Contains(zone, StringComparer.Ordinal) ? LocalDays.Today(now, zone) : LocalDays.Today(now, LocalDays.Zones[0]);
        return new ReportsQuery
        {
            FleetId = fleetId?.Trim() ?? string.Empty,
            FromDay = string.IsNullOrWhiteSpace(fromDay) ? LocalDays.Text(today.AddDays(-7)) : fromDay.Trim(),
            ToDay = string.IsNullOrWhiteSpace(toDay) ? LocalDays.Text(today.AddDays(-1)) : toDay.Trim(),
            TimeZone = zone,
        };
    }

    /// <summary>The period as the API takes it, or the fields that are not right (field id to message key): the export form's checks, and at most <see cref="MaxDays"/>.</summary>
    public (Timestamp From, Timestamp To)? Period(out Dictionary<string, string> errors)
    {
        var request = Export(nameof(ExportKind.DailyUsage)).Request(out errors);
        if (request is not null && LocalDays.Parse(ToDay)!.Value.DayNumber - LocalDays.Parse(FromDay)!.Value.DayNumber + 1 > MaxDays)
        {
            errors["from-day"] = "ReportsTooManyDays";
            return null;
        }

        return request is null ? null : (request.From, request.To);
    }

    public GetEnforcementReportRequest Enforcement((Timestamp From, Timestamp To) period) =>
        new() { FleetId = FleetId, From = period.From, To = period.To, TimeZone = TimeZone };

    /// <summary>The export of the same whole days (daily usage or daily enforcement).</summary>
    public ExportForm Export(string kind) => new() { Kind = kind, FleetId = FleetId, FromDay = FromDay, ToDay = ToDay, TimeZone = TimeZone };

    public GetUsageReportRequest Usage((Timestamp From, Timestamp To) period) =>
        new() { FleetId = FleetId, From = period.From, To = period.To };
}
