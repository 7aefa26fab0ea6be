using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SmartTerminal.NanoCheck.FirmwareHead;

/// <summary>
/// Compiles the head as the toolchain's csc would: the project's Compile items, its C# version and
/// symbols, its references and nothing else (NoStdLib), warning level 4. Every warning counts: the
/// head must build clean.
/// </summary>
public static class HeadCompiler
{
    public static (bool Success, IReadOnlyList<string> Diagnostics) Compile(NfProject project, IReadOnlyList<ResolvedReference> references, string outputPath)
    {
        var diagnostics = new List<string>();
        if (!LanguageVersionFacts.TryParse(project.EffectiveLangVersion, out var version))
        {
            return (false, [$"{project.Path}: error NANO005: LangVersion '{project.EffectiveLangVersion}' is not a C# version"]);
        }

        var parse = new CSharpParseOptions(version, DocumentationMode.None, SourceCodeKind.Regular, project.DefineConstants);
        var trees = project.CompileFiles
            .Select(file => CSharpSyntaxTree.ParseText(File.ReadAllText(file), parse, file))
            .ToList();
        var options = new CSharpCompilationOptions(
                project.OutputType.Equals("Exe", StringComparison.OrdinalIgnoreCase) ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                warningLevel: 4,
                nullableContextOptions: NullableContextOptions.Disable)
            .WithDeterministic(true);
        var compilation = CSharpCompilation.Create(
            project.AssemblyName,
            trees,
            references.Select(r => MetadataReference.CreateFromFile(r.FilePath)),
            options);

        Directory.CreateDirectory(Path.GetDirectoryName(outputPath)!);
        using (var output = File.Create(outputPath))
        {
            var result = compilation.Emit(output);
            diagnostics.AddRange(result.Diagnostics
                .Where(d => d.Severity >= DiagnosticSeverity.Warning)
                .Select(d => d.ToString()));
            if (!result.Success)
            {
                return (false, diagnostics);
            }
        }

        return (diagnostics.Count == 0, diagnostics);
    }
}
