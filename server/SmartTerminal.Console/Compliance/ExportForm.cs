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
    /// <summary>The zones offered (see <see cref="LocalDays.Zones"/>).</summary>
    public static string[] Zones => LocalDays.Zones;

    public string Kind { get; set; } = nameof(ExportKind.DailyUsage);

    public string? FleetId { get; set; }

    /// <summary>"yyyy-MM-dd".</summary>
    public string? FromDay { get; set; }

    /// <summary>"yyyy-MM-dd", inclusive.</summary>
    public string? ToDay { get; set; }

    public string TimeZone { get; set; } = Zones[0];

    public static ExportForm LastWeek(DateTimeOffset now) => new()
    {
        FromDay = LocalDays.Text(LocalDays.Today(now, Zones[0]).AddDays(-7)),
        ToDay = LocalDays.Text(LocalDays.Today(now, Zones[0]).AddDays(-1)),
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

        var from = LocalDays.Parse(FromDay);
        var to = LocalDays.Parse(ToDay);
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
            From = Timestamp.FromDateTimeOffset(LocalDays.Midnight(from!.Value, zone)),
            To = Timestamp.FromDateTimeOffset(LocalDays.Midnight(to!.Value.AddDays(1), zone)),
            TimeZone = zoneId!,
        };
    }
}
