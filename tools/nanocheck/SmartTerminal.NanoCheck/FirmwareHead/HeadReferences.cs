using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace SmartTerminal.NanoCheck.FirmwareHead;

/// <summary>A reference of the head resolved to an assembly file, with the package it comes from.</summary>
public sealed record ResolvedReference(NfReference Reference, string FilePath, string AssemblyName, NuGetPackage? Package, IReadOnlyList<string> Dependencies);

/// <summary>
/// Resolves the head's references the way the toolchain does (HintPath into packages\), falling back
/// to a folder of the same assemblies by file name (../shared/nanoframework/ref here, where the
/// nanoFramework packages are not served), and checks them against packages.config: every package
/// referenced at its configured version, every package referenced, and every assembly a referenced
/// library needs referenced too, since the deployment needs each one's .pe file.
/// </summary>
public static partial class HeadReferences
{
    [GeneratedRegex(@"packages[\\/](?<folder>[^\\/]+)[\\/]lib[\\/][^\\/]+$", RegexOptions.IgnoreCase)]
    private static partial Regex PackageHintPath();

    [GeneratedRegex(@"^(?<id>.+?)\.(?<version>\d+(\.\d+){1,3}(-[0-9A-Za-z.-]+)?)$")]
    private static partial Regex PackageFolder();

    public static IReadOnlyList<ResolvedReference> Resolve(NfProject project, string? referenceDirectory, string? mscorlibPath, List<string> problems)
    {
        var resolved = new List<ResolvedReference>();
        foreach (var reference in project.References)
        {
            if (reference.HintPath.Length == 0)
            {
                problems.Add($"{project.Path}: error NANO002: Reference {reference.Include} has no HintPath; the toolchain would not find it");
                continue;
            }

            var file = Locate(project, reference, referenceDirectory, mscorlibPath);
            if (file is null)
            {
                problems.Add($"{project.Path}: error NANO002: Reference {reference.Include}: {reference.HintPath} not found, " +
                             $"and no {FileNameOf(reference.HintPath)} in {referenceDirectory ?? "(no --ref-dir given)"}");
                continue;
            }

            var (name, dependencies) = ReadAssembly(file);
            resolved.Add(new ResolvedReference(reference, file, name, PackageOf(reference.HintPath), dependencies));
        }

        return resolved;
    }

    public static void CheckPackages(NfProject project, IReadOnlyList<ResolvedReference> references, IReadOnlyList<NuGetPackage> packages, List<string> problems)
    {
        var config = Path.Combine(project.Directory, "packages.config");
        foreach (var reference in references)
        {
            if (reference.Package is not { } package)
            {
                problems.Add($"{project.Path}: error NANO003: Reference {reference.Reference.Include}: HintPath {reference.Reference.HintPath} is not inside a package folder (packages\\<id>.<version>\\lib\\)");
                continue;
            }

            var listed = packages.FirstOrDefault(p => string.Equals(p.Id, package.Id, StringComparison.OrdinalIgnoreCase));
            if (listed is null)
            {
                problems.Add($"{config}: error NANO003: {package.Id} is referenced by the .nfproj ({package.Version}) but not listed");
            }
            else if (listed.Version != package.Version)
            {
                problems.Add($"{config}: error NANO003: {package.Id} is {listed.Version} here but the .nfproj references {package.Version}");
            }
        }

        foreach (var package in packages)
        {
            if (!references.Any(r => r.Package is { } p && string.Equals(p.Id, package.Id, StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{config}: error NANO003: {package} is listed but the .nfproj references none of its assemblies, so its .pe would not be deployed");
            }
        }

        var provided = references.Select(r => r.AssemblyName).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            foreach (var dependency in reference.Dependencies.Where(d => !provided.Contains(d)))
            {
                problems.Add($"{project.Path}: error NANO004: {reference.AssemblyName} needs {dependency}, which no Reference provides; " +
                             "add its package to packages.config and a Reference (the device needs its .pe)");
            }
        }
    }

    /// <summary>The CoreLibrary the check compiles against must be the one the head declares.</summary>
    public static void CheckCoreLibrary(NfProject project, IReadOnlyList<ResolvedReference> references, List<string> problems)
    {
        var mscorlib = references.FirstOrDefault(r => r.AssemblyName == "mscorlib");
        if (mscorlib is null)
        {
            problems.Add($"{project.Path}: error NANO002: no Reference to mscorlib (nanoFramework.CoreLibrary)");
            return;
        }

        var version = AssemblyVersion(mscorlib.FilePath);
        if (mscorlib.Package is { } package && !version.StartsWith(package.Version + ".", StringComparison.Ordinal) && version != package.Version)
        {
            problems.Add($"{project.Path}: error NANO003: the head declares {package} but the mscorlib compiled against is {version}");
        }
    }

    private static string? Locate(NfProject project, NfReference reference, string? referenceDirectory, string? mscorlibPath)
    {
        var hinted = Path.GetFullPath(Path.Combine(project.Directory, reference.HintPath.Replace('\\', Path.DirectorySeparatorChar)));
        if (File.Exists(hinted))
        {
            return hinted;
        }

        var fileName = FileNameOf(reference.HintPath);
        if (string.Equals(fileName, "mscorlib.dll", StringComparison.OrdinalIgnoreCase) && mscorlibPath is not null && File.Exists(mscorlibPath))
        {
            return Path.GetFullPath(mscorlibPath);
        }

        if (referenceDirectory is not null)
        {
            var candidate = Path.Combine(referenceDirectory, fileName);
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }

    // HintPaths are written with Windows separators; Path.GetFileName on Linux only splits on '/'.
    private static string FileNameOf(string hintPath) => Path.GetFileName(hintPath.Replace('\\', '/'));

    private static NuGetPackage? PackageOf(string hintPath)
    {
        var match = PackageHintPath().Match(hintPath);
        if (!match.Success)
        {
            return null;
        }

        var folder = PackageFolder().Match(match.Groups["folder"].Value);
        return folder.Success ? new NuGetPackage(folder.Groups["id"].Value, folder.Groups["version"].Value) : null;
    }

    private static (string Name, IReadOnlyList<string> Dependencies) ReadAssembly(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var name = reader.GetString(reader.GetAssemblyDefinition().Name);
        var dependencies = reader.AssemblyReferences
            .Select(handle => reader.GetString(reader.GetAssemblyReference(handle).Name))
            .ToList();
        return (name, dependencies);
    }

    private static string AssemblyVersion(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        return reader.GetAssemblyDefinition().Version.ToString();
    }
}
