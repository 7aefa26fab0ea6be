using BenchmarkDotNet.Running;

namespace SmartTerminal.Benchmarks;

/// <summary>Entry point: "footprint" prints memory figures; anything else goes to BenchmarkSwitcher.</summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "footprint")
        {
            Footprint.Print();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
