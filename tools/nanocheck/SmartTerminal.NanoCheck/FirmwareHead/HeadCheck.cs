namespace SmartTerminal.NanoCheck.FirmwareHead;

/// <summary>
/// The CI gate for the firmware head: evaluate its .nfproj, resolve and cross-check its references
/// with packages.config, compile exactly its sources under its C# version, then apply the device
/// metadata rules to the result (no generics; only the nanoFramework libraries it references).
/// </summary>
public static class HeadCheck
{
    public static IReadOnlyList<string> Run(string projectPath, string? referenceDirectory, string? mscorlibPath, string outputDirectory, TextWriter log)
    {
        var problems = new List<string>();
        var project = NfProject.Evaluate(projectPath);
        var references = HeadReferences.Resolve(project, referenceDirectory, mscorlibPath, problems);
        HeadReferences.CheckPackages(project, references, PackagesConfig.Read(Path.Combine(project.Directory, "packages.config")), problems);
        HeadReferences.CheckCoreLibrary(project, references, problems);
        if (problems.Count > 0)
        {
            return problems;
        }

        log.WriteLine($"nanocheck head: {Path.GetFileName(project.Path)}: {project.CompileFiles.Count} files, C# {project.EffectiveLangVersion}" +
                      (project.LangVersion.Length == 0 ? " (the toolchain's default)" : "") +
                      $", {references.Count} references");
        var outputPath = Path.Combine(outputDirectory, project.AssemblyName + (project.OutputType.Equals("Exe", StringComparison.OrdinalIgnoreCase) ? ".exe" : ".dll"));
        var (success, diagnostics) = HeadCompiler.Compile(project, references, outputPath);
        problems.AddRange(diagnostics);
        if (!success)
        {
            return problems;
        }

        var allowed = references.Select(r => r.AssemblyName).ToList();
        problems.AddRange(AssemblyChecker.Check(outputPath, allowed).Select(v => $"{outputPath}: error NANO001: {v}"));
        return problems;
    }
}
