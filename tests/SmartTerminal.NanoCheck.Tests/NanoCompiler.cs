using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SmartTerminal.NanoCheck.Tests;

/// <summary>Compiles C# against nanoFramework's own mscorlib.dll, as the device core's nano build does.</summary>
internal static class NanoCompiler
{
    public static string MscorlibPath { get; } = typeof(NanoCompiler).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NanoMscorlib").Value!;

    public static (byte[]? Image, IReadOnlyList<Diagnostic> Errors) Compile(string source, string assemblyName = "Probe", params MetadataReference[] extra)
    {
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source)],
            [MetadataReference.CreateFromFile(MscorlibPath), .. extra],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return (result.Success ? stream.ToArray() : null, errors);
    }

    public static IReadOnlyList<Violation> Check(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image));
        return AssemblyChecker.Check(pe.GetMetadataReader());
    }
}
