using BenchmarkDotNet.Attributes;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Hashing;

namespace SmartTerminal.Benchmarks;

/// <summary>
/// Decision calls of the device engine with 5,000 blocked domains, 500 apps and 200 contacts, next to
/// the naive string-set baseline measured in the same run. Apps and contacts are looked up by the
/// hashes the device already holds (the launcher knows the app id; the dialer hashes the number once).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class DecisionBenchmarks
{
    private EngineFixture _fixture = null!;
    private NaiveRules _naive = null!;
    private string _blockedSubdomain = "";
    private string _allowedDomain = "";
    private uint _app;
    private string _package = "";
    private ulong _contact;
    private string _number = "";

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new EngineFixture();
        _naive = new NaiveRules(_fixture.Domains, _fixture.Packages, _fixture.Numbers);
        _blockedSubdomain = "video.cdn." + _fixture.Domains[2_500];
        _allowedDomain = "www.school.example.org";
        _package = _fixture.Packages[250];
        _app = Fnv1a.Hash32(_package);
        _number = "+86 138-" + _fixture.Numbers[100][5..];
        _contact = Fnv1a.HashPhoneNumber(_number);
    }

    [Benchmark(Baseline = true, Description = "naive: blocked subdomain (HashSet<string>)")]
    [BenchmarkCategory("domain")]
    public bool NaiveDomain() => _naive.DomainAllowed(_blockedSubdomain);

    [Benchmark(Description = "engine: blocked subdomain")]
    [BenchmarkCategory("domain")]
    public Decision EngineDomain() => _fixture.Engine.CheckDomain(_blockedSubdomain);

    [Benchmark(Description = "engine: allowed domain (all suffixes checked)")]
    [BenchmarkCategory("domain")]
    public Decision EngineAllowedDomain() => _fixture.Engine.CheckDomain(_allowedDomain);

    [Benchmark(Baseline = true, Description = "naive: app (Dictionary<string,int>)")]
    [BenchmarkCategory("app")]
    public bool NaiveApp() => _naive.AppAllowed(_package);

    [Benchmark(Description = "engine: app (budgets, windows, rating)")]
    [BenchmarkCategory("app")]
    public Decision EngineApp() => _fixture.Engine.CheckActivity(_app);

    [Benchmark(Baseline = true, Description = "naive: call (normalise + HashSet<string>)")]
    [BenchmarkCategory("contact")]
    public bool NaiveCall() => _naive.CallAllowed(_number);

    [Benchmark(Description = "engine: call")]
    [BenchmarkCategory("contact")]
    public Decision EngineCall() => _fixture.Engine.CheckCall(_contact);

    [Benchmark(Description = "engine: send media")]
    [BenchmarkCategory("contact")]
    public Decision EngineMedia() => _fixture.Engine.CheckSendMedia(_contact);
}
