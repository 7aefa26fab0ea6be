using SmartTerminal.NanoCheck;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: nanocheck <assembly.dll> [...]");
    return 2;
}

var failed = false;
foreach (var path in args)
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
