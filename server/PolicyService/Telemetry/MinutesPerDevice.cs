namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// The statistics compliance reports give for one group of devices: how many, and the mean and 95th
/// percentile (nearest rank) of their minutes, rounded to two decimals.
/// </summary>
public readonly record struct MinutesPerDevice(int Devices, double Mean, double P95)
{
    public static MinutesPerDevice Of(IEnumerable<double> minutes)
    {
        var sorted = minutes.Order().ToArray();
        if (sorted.Length == 0)
        {
            return default;
        }

        var p95 = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.95 * sorted.Length) - 1)];
        return new MinutesPerDevice(sorted.Length, Math.Round(sorted.Average(), 2), Math.Round(p95, 2));
    }
}
