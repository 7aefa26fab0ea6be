using System.Diagnostics;
using System.Text.Json;

namespace SmartTerminal.NanoCheck.FirmwareHead;

/// <summary>A reference of the .nfproj: its Include and its HintPath (relative to the project).</summary>
public sealed record NfReference(string Include, string HintPath);

/// <summary>
/// What the nanoFramework toolchain compiles from a .nfproj, read by MSBuild's own evaluation of the
/// file (<c>dotnet msbuild -getProperty -getItem</c>): globs, imports and conditions resolve exactly as
/// in Visual Studio, except that the nanoFramework project system's imports are absent here.
/// </summary>
public sealed record NfProject(
    string Path,
    string AssemblyName,
    string OutputType,
    string LangVersion,
    IReadOnlyList<string> DefineConstants,
    IReadOnlyList<string> CompileFiles,
    IReadOnlyList<NfReference> References)
{
    /// <summary>What NFProjectSystem.Default.props sets when the project sets no LangVersion.</summary>
    public const string ToolchainDefaultLangVersion = "9.0";

    /// <summary>The symbol NFProjectSystem.CSharp.targets always defines.</summary>
    public const string NanoFrameworkSymbol = "NANOFRAMEWORK_1_0";

    public string Directory => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>The C# version the toolchain compiles with: the project's, else the project system's default.</summary>
    public string EffectiveLangVersion => LangVersion.Length == 0 ? ToolchainDefaultLangVersion : LangVersion;

    public static NfProject Evaluate(string projectPath)
    {
        var fullPath = System.IO.Path.GetFullPath(projectPath);
        var json = RunMsBuild(fullPath);
        using var document = JsonDocument.Parse(json);
        var properties = document.RootElement.GetProperty("Properties");
        var items = document.RootElement.GetProperty("Items");

        string Property(string name) => properties.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";
        IEnumerable<JsonElement> Items(string name) =>
            items.TryGetProperty(name, out var list) ? list.EnumerateArray() : Enumerable.Empty<JsonElement>();

        var defines = Property("DefineConstants")
            .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Append(NanoFrameworkSymbol)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var compile = Items("Compile").Select(item => item.GetProperty("FullPath").GetString()!).ToList();
        var references = Items("Reference")
            .Select(item => new NfReference(
                item.GetProperty("Identity").GetString()!,
                item.TryGetProperty("HintPath", out var hint) ? hint.GetString() ?? "" : ""))
            .ToList();
        return new NfProject(fullPath, Property("AssemblyName"), Property("OutputType"), Property("LangVersion"), defines, compile, references);
    }

    private static string RunMsBuild(string projectPath)
    {
        // The SDK sets DOTNET_HOST_PATH for tools run from a build; from a shell, dotnet is on PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "msbuild", projectPath, "-nologo",
                     "-getProperty:AssemblyName", "-getProperty:OutputType", "-getProperty:LangVersion", "-getProperty:DefineConstants",
                     "-getItem:Compile", "-getItem:Reference",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dotnet}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"MSBuild could not evaluate {projectPath}: {output}{error.Result}");
        }

        return output;
    }
}
