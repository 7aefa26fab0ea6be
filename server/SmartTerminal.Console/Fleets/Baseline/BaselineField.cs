using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Fleets.Baseline;

/// <summary>How a baseline value is entered and shown.</summary>
public enum BaselineUnit
{
    Minutes,
    Years,

    /// <summary>Entered in whole yuan, stored in fen.</summary>
    Yuan,
}

/// <summary>
/// One value of an age band the baseline editor shows: where it lives in the band (a default the
/// guardian may adjust, or a hard limit), its form id and the service's field path, and how to read
/// and write it. Fields the editor does not show (curfews, apps, domains) are kept as stored.
/// </summary>
public sealed class BaselineField
{
    private readonly Func<AgeBandPolicy, uint?> _read;
    private readonly Action<AgeBandPolicy, uint?> _write;

    private BaselineField(string key, string servicePath, BaselineUnit unit, Func<AgeBandPolicy, uint?> read, Action<AgeBandPolicy, uint?> write)
    {
        Key = key;
        ServicePath = servicePath;
        Unit = unit;
        _read = read;
        _write = write;
    }

    /// <summary>The id suffix of the field ("daily" gives "band-2-daily") and of its label text ("Baseline_daily").</summary>
    public string Key { get; }

    /// <summary>The path inside an age band the service names in a violation, e.g. "limits.max_daily_minutes".</summary>
    public string ServicePath { get; }

    public BaselineUnit Unit { get; }

    /// <summary>The shown order: the day's default, then the hard limits.</summary>
    public static IReadOnlyList<BaselineField> All { get; } =
    [
        new("daily", "defaults.daily_minutes", BaselineUnit.Minutes,
            b => b.Defaults is { HasDailyMinutes: true } d ? d.DailyMinutes : null,
            (b, v) => Set(Defaults(b), v, (d, x) => d.DailyMinutes = x, d => d.ClearDailyMinutes())),
        new("max-daily", "limits.max_daily_minutes", BaselineUnit.Minutes,
            b => b.Limits is { HasMaxDailyMinutes: true } l ? l.MaxDailyMinutes : null,
            (b, v) => Set(Limits(b), v, (l, x) => l.MaxDailyMinutes = x, l => l.ClearMaxDailyMinutes())),
        new("max-continuous", "limits.max_continuous_use_minutes", BaselineUnit.Minutes,
            b => b.Limits is { HasMaxContinuousUseMinutes: true } l ? l.MaxContinuousUseMinutes : null,
            (b, v) => Set(Limits(b), v, (l, x) => l.MaxContinuousUseMinutes = x, l => l.ClearMaxContinuousUseMinutes())),
        new("max-age-rating", "limits.max_age_rating", BaselineUnit.Years,
            b => b.Limits is { HasMaxAgeRating: true } l ? l.MaxAgeRating : null,
            (b, v) => Set(Limits(b), v, (l, x) => l.MaxAgeRating = x, l => l.ClearMaxAgeRating())),
        new("max-per-purchase", "limits.max_per_transaction_cap", BaselineUnit.Yuan,
            b => b.Limits is { HasMaxPerTransactionCap: true } l ? l.MaxPerTransactionCap : null,
            (b, v) => Set(Limits(b), v, (l, x) => l.MaxPerTransactionCap = x, l => l.ClearMaxPerTransactionCap())),
        new("max-daily-spending", "limits.max_daily_spending_cap", BaselineUnit.Yuan,
            b => b.Limits is { HasMaxDailySpendingCap: true } l ? l.MaxDailySpendingCap : null,
            (b, v) => Set(Limits(b), v, (l, x) => l.MaxDailySpendingCap = x, l => l.ClearMaxDailySpendingCap())),
    ];

    /// <summary>The form field id of this value in the band shown at <paramref name="bandIndex"/>.</summary>
    public string Id(int bandIndex) => $"band-{bandIndex}-{Key}";

    /// <summary>The stored value (fen for money), or null when the band leaves it to the profile.</summary>
    public uint? Read(AgeBandPolicy? band) => band is null ? null : _read(band);

    public void Write(AgeBandPolicy band, uint? value) => _write(band, value);

    private static PolicySettings Defaults(AgeBandPolicy band) => band.Defaults ??= new PolicySettings();

    private static PolicyLimits Limits(AgeBandPolicy band) => band.Limits ??= new PolicyLimits();

    private static void Set<T>(T target, uint? value, Action<T, uint> set, Action<T> clear)
    {
        if (value is { } v)
        {
            set(target, v);
        }
        else
        {
            clear(target);
        }
    }
}
