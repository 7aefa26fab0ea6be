namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>Seconds a device was used on one local day in one category (0 = the daily total).</summary>
public sealed record DailyUsage(DateOnly Day, uint Category, long UsedSeconds);

/// <summary>Daily minutes per device of one age band and category, over the devices that have data.</summary>
public sealed record UsageGroup(int AgeBand, uint Category, int Devices, double MeanDailyMinutes, double P95DailyMinutes, uint MinAge = 0, uint MaxAge = 0);

/// <summary>A fleet's usage by age band and category; groups under the minimum size are counted, not shown.</summary>
public sealed record UsageAggregate(IReadOnlyList<UsageGroup> Groups, int MinimumGroupSize, int SuppressedGroups);

/// <summary>A fleet's enforcement counts over a period.</summary>
public sealed record EnforcementTotals(
    long CurfewDenials, long BudgetDenials, long ClockTamperEvents, long RefusedPolicies, long OfflineCodesRedeemed, int DevicesWithTamper, long OtherDenials)
{
    /// <summary>Nothing counted.</summary>
    public static EnforcementTotals None { get; } = new(0, 0, 0, 0, 0, 0, 0);
}

/// <summary>A fleet's enforcement counts of one local day.</summary>
public sealed record DailyEnforcement(DateOnly Day, EnforcementTotals Totals);

/// <summary>A fleet's enforcement counts over a period, and per local day of the zone that cut them.</summary>
public sealed record EnforcementReportData(EnforcementTotals Totals, IReadOnlyList<DailyEnforcement> Days, string TimeZone);
