using SmartTerminal.NanoCheck;
using SmartTerminal.NanoCheck.FirmwareHead;

const string Usage = """
    usage: nanocheck <assembly.dll> [...]
               checks device-core assemblies: no generics, only mscorlib referenced
           nanocheck head <project.nfproj> --out <dir> [--ref-dir <dir>] [--mscorlib <mscorlib.dll>]
               compiles the firmware head as the nanoFramework toolchain would and checks the result
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

return args[0] == "head" ? CheckHead(args[1..]) : CheckAssemblies(args);

static int CheckAssemblies(string[] paths)
{
    var failed = false;
    foreach (var path in paths)
    {
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"nanocheck: {path}: file not found");
            return 2;
        }

        var violations = AssemblyChecker.Check(path);
        foreach (var violation in violations)
        {
            Console.Error.WriteLine($"{path}: error NANO001: {violation}");
        }

        failed |= violations.Count > 0;
        Console.WriteLine(violations.Count == 0
            ? $"nanocheck: {Path.GetFileName(path)}: OK (no generics, references only mscorlib)"
            : $"nanocheck: {Path.GetFileName(path)}: {violations.Count} violation(s)");
    }

    return failed ? 1 : 0;
}

static int CheckHead(string[] arguments)
{
    string? project = null, output = null, referenceDirectory = null, mscorlib = null;
    for (var i = 0; i < arguments.Length; i++)
    {
        string Value() => i + 1 < arguments.Length ? arguments[++i] : throw new ArgumentException($"{arguments[i]} needs a value");
        switch (arguments[i])
        {
            case "--out": output = Value(); break;
            case "--ref-dir": referenceDirectory = Value(); break;
            case "--mscorlib": mscorlib = Value(); break;
            default: project = arguments[i]; break;
        }
    }

    if (project is null || output is null || !File.Exists(project))
    {
        Console.Error.WriteLine(Usage);
        return 2;
    }

    if (referenceDirectory is not null && !Directory.Exists(referenceDirectory))
    {
        // Not fatal by itself: restored packages next to the .nfproj resolve first.
        Console.WriteLine($"nanocheck head: reference folder {referenceDirectory} does not exist; using the .nfproj's HintPaths only");
        referenceDirectory = null;
    }

    var problems = HeadCheck.Run(project, referenceDirectory, mscorlib, output, Console.Out);
    foreach (var problem in problems)
    {
        Console.Error.WriteLine(problem);
    }

    Console.WriteLine(problems.Count == 0
        ? $"nanocheck head: {Path.GetFileName(project)}: OK (compiles clean; no generics; references only its nanoFramework libraries)"
        : $"nanocheck head: {Path.GetFileName(project)}: {problems.Count} problem(s)");
    return problems.Count == 0 ? 0 : 1;
}
