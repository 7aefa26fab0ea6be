using BenchmarkDotNet.Running;
using SmartTerminal.Benchmarks;

if (args.Length > 0 && args[0] == "footprint")
{
    Footprint.Print();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point: "footprint" prints memory figures; anything else goes to BenchmarkSwitcher.</summary>
public partial class Program;
