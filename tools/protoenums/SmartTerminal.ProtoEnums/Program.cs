using SmartTerminal.ProtoEnums;

// dotnet run --project tools/protoenums/SmartTerminal.ProtoEnums [-- --check]
// Writes the device core's wire enums from the device protos; --check only says whether the file is current.
var root = FindRoot(AppContext.BaseDirectory) ?? FindRoot(Directory.GetCurrentDirectory())
    ?? throw new InvalidOperationException("SmartTerminal.sln not found above the tool or the working directory");
var path = Path.Combine(root, WireEnumsFile.RelativePath);
var generated = WireEnumsFile.Generate(root);
var current = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
if (args.Contains("--check"))
{
    Console.WriteLine(current == generated ? $"{WireEnumsFile.RelativePath} is current" : $"{WireEnumsFile.RelativePath} is out of date: run dotnet run --project tools/protoenums/SmartTerminal.ProtoEnums");
    return current == generated ? 0 : 1;
}

File.WriteAllText(path, generated);
Console.WriteLine($"wrote {WireEnumsFile.RelativePath}");
return 0;

static string? FindRoot(string start)
{
    for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "SmartTerminal.sln")))
        {
            return dir.FullName;
        }
    }

    return null;
}
