using BenchmarkDotNet.Attributes;
using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.Benchmarks;

/// <summary>
/// The UTC-offset table every compiled policy carries (60 days by default): computed once per device
/// when a baseline change is fanned out, so it is on the rollout's hot path.
/// </summary>
[MemoryDiagnoser]
public class OffsetTableBenchmarks
{
    private static readonly DateTimeOffset IssuedAt = new(2026, 2, 20, 9, 30, 17, TimeSpan.Zero);

    [Params("Asia/Shanghai", "America/Los_Angeles")]
    public string Zone { get; set; } = "Asia/Shanghai";

    [Benchmark(Baseline = true, Description = "60-day table from scratch: hourly probes + bisection")]
    public int FromScratch() => UtcOffsetTable.ComputeUncached(Zone, IssuedAt, IssuedAt.AddDays(60)).Count;

    [Benchmark(Description = "60-day table, zone changes cached per day (every device after the first)")]
    public int Cached() => UtcOffsetTable.Compute(Zone, IssuedAt, IssuedAt.AddDays(60)).Count;
}
