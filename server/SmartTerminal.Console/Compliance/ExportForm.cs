using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Compliance;

/// <summary>
/// The export form as posted: which export, the fleet, the first and last local day and the zone that
/// cuts them. The request it makes covers whole local days: from the first day's midnight to the midnight
/// after the last, in that zone.
/// </summary>
public sealed class ExportForm
{
    /// <summary>The zones offered: where the fleets are, and UTC.</summary>
    public static readonly string[] Zones = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Etc/UTC"];

    public string Kind { get; set; } = nameof(ExportKind.DailyUsage);

    public string? FleetId { get; set; }

    /// <summary>"yyyy-MM-dd".</summary>
    public string? FromDay { get; set; }

    /// <summary>"yyyy-MM-dd", inclusive.</summary>
    public string? ToDay { get; set; }

    public string TimeZone { get; set; } = Zones[0];

    public static ExportForm LastWeek(DateTimeOffset now) => new()
    {
        FromDay = Day(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(Zones[0])).DateTime).AddDays(-7)),
        ToDay = Day(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(Zones[0])).DateTime).AddDays(-1)),
    };

    /// <summary>The request, or the form fields that are not right (field id to message key).</summary>
    public ExportReportRequest? Request(out Dictionary<string, string> errors)
    {
        errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!System.Enum.TryParse<ExportKind>(Kind, out var kind) || kind == ExportKind.Unspecified)
        {
            errors["kind"] = "ExportKindMissing";
        }

        var zoneId = Zones.Contains(TimeZone, StringComparer.Ordinal) ? TimeZone : null;
        if (zoneId is null)
        {
            errors["zone"] = "ExportZoneMissing";
        }

        var from = Parse(FromDay);
        var to = Parse(ToDay);
        if (from is null || to is null || to < from)
        {
            errors["from-day"] = "ExportDaysWrong";
        }

        if (kind != ExportKind.AuditLog && string.IsNullOrWhiteSpace(FleetId))
        {
            errors["fleet"] = "ExportFleetMissing";
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId!);
        return new ExportReportRequest
        {
            Kind = kind,
            FleetId = kind == ExportKind.AuditLog ? string.Empty : FleetId!.Trim(),
            From = Timestamp.FromDateTimeOffset(Midnight(from!.Value, zone)),
            To = Timestamp.FromDateTimeOffset(Midnight(to!.Value.AddDays(1), zone)),
            TimeZone = zoneId!,
        };
    }

    private static DateTimeOffset Midnight(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static DateOnly? Parse(string? day) =>
        DateOnly.TryParseExact(day?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : null;

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
