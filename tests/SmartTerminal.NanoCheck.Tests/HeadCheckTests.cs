using SmartTerminal.NanoCheck.FirmwareHead;

namespace SmartTerminal.NanoCheck.Tests;

/// <summary>
/// The firmware head gate on small .nfproj fixtures laid out like the real head (packages.config,
/// HintPaths into packages\), compiled against the nanoFramework class libraries in
/// ../shared/nanoframework/ref; and the real head itself.
/// </summary>
public sealed class HeadCheckTests : IDisposable
{
    private const string CleanProgram = """
        using System.Net;
        namespace Probe
        {
            public static class Program
            {
                public static void Main()
                {
                    IPAddress address = IPAddress.Parse("10.0.0.1");
                    System.Diagnostics.Debug.WriteLine(address.ToString());
                }
            }
        }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("headcheck-").FullName;

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ReferenceDirectory => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "nanoframework", "ref"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_real_firmware_head_compiles_clean_under_the_device_language_version()
    {
        var project = Path.Combine(RepositoryRoot, "device", "nanoFramework", "SmartTerminal.Firmware", "SmartTerminal.Firmware.nfproj");

        var problems = Run(project);

        Assert.Empty(problems);
        Assert.Equal("9.0", NfProject.Evaluate(project).EffectiveLangVersion);
    }

    [Fact]
    public void A_clean_head_passes()
    {
        Assert.Empty(Run(WriteProject(CleanProgram)));
    }

    [Fact]
    public void Without_a_LangVersion_the_toolchain_default_9_0_rejects_a_file_scoped_namespace()
    {
        var project = WriteProject("namespace Probe;\npublic static class Program { public static void Main() { } }\n");

        var problems = Run(project);

        Assert.Contains(problems, p => p.Contains("CS8773") && p.Contains("file-scoped namespace") && p.Contains("C# 9.0"));
    }

    [Fact]
    public void A_LangVersion_in_the_project_is_the_one_compiled_with()
    {
        var project = WriteProject("namespace Probe;\npublic static class Program { public static void Main() { } }\n", langVersion: "10.0");

        Assert.Empty(Run(project));
    }

    [Fact]
    public void A_member_the_nanoFramework_library_lacks_is_an_error()
    {
        var project = WriteProject(CleanProgram.Replace("IPAddress.Parse(\"10.0.0.1\")", "IPAddress.TryParseExact(\"10.0.0.1\")"));

        Assert.Contains(Run(project), p => p.Contains("CS0117") && p.Contains("TryParseExact"));
    }

    [Fact]
    public void A_warning_fails_the_head()
    {
        var project = WriteProject(CleanProgram.Replace("IPAddress address", "int unused; IPAddress address"));

        Assert.Contains(Run(project), p => p.Contains("CS0168"));
    }

    [Fact]
    public void A_generic_the_runtime_cannot_run_is_rejected_after_compiling()
    {
        var project = WriteProject(CleanProgram.Replace("IPAddress address", "System.Func<int, int> twice = v => v * 2; IPAddress address"));

        Assert.Contains(Run(project), p => p.Contains("NANO001") && p.Contains("Func`2"));
    }

    [Fact]
    public void A_package_version_that_differs_from_the_HintPath_is_an_error()
    {
        var project = WriteProject(CleanProgram, packagesConfigOverride: ("nanoFramework.System.Net", "1.11.40"));

        Assert.Contains(Run(project), p => p.Contains("NANO003") && p.Contains("nanoFramework.System.Net is 1.11.40 here but the .nfproj references 1.11.43"));
    }

    [Fact]
    public void A_library_whose_dependency_is_not_referenced_is_an_error()
    {
        var project = WriteProject(CleanProgram, omitPackage: "nanoFramework.Runtime.Events");

        Assert.Contains(Run(project), p => p.Contains("NANO004") && p.Contains("System.Net needs nanoFramework.Runtime.Events"));
    }

    [Fact]
    public void A_HintPath_naming_a_file_the_package_does_not_ship_is_an_error()
    {
        var project = WriteProject(CleanProgram, extraReference: ("nanoFramework.System.Security.Cryptography", "1.0.10", "System.Security.Cryptography.dll"));

        Assert.Contains(Run(project), p => p.Contains("NANO002") && p.Contains("no System.Security.Cryptography.dll in"));
    }

    private static IReadOnlyList<string> Run(string project)
    {
        Assert.True(Directory.Exists(ReferenceDirectory), $"the nanoFramework class libraries are expected in {ReferenceDirectory}");
        var output = Path.Combine(Path.GetDirectoryName(project)!, "out");
        return HeadCheck.Run(project, ReferenceDirectory, NanoCompiler.MscorlibPath, output, TextWriter.Null);
    }

    private string WriteProject(
        string program,
        string? langVersion = null,
        (string Id, string Version)? packagesConfigOverride = null,
        string? omitPackage = null,
        (string Id, string Version, string File)? extraReference = null)
    {
        // System.Net 1.11.43 and what it needs, as the real head lists them.
        var packages = new List<(string Id, string Version, string File)>
        {
            ("nanoFramework.CoreLibrary", "1.17.11", "mscorlib.dll"),
            ("nanoFramework.System.Net", "1.11.43", "System.Net.dll"),
            ("nanoFramework.System.Threading", "1.1.52", "System.Threading.dll"),
            ("nanoFramework.System.IO.Streams", "1.1.96", "System.IO.Streams.dll"),
            ("nanoFramework.System.Text", "1.3.42", "nanoFramework.System.Text.dll"),
            ("nanoFramework.Runtime.Events", "1.11.32", "nanoFramework.Runtime.Events.dll"),
        };
        packages.RemoveAll(p => p.Id == omitPackage);
        if (extraReference is { } extra)
        {
            packages.Add(extra);
        }

        var references = string.Join("\n", packages.Select(p =>
            $"""    <Reference Include="{Path.GetFileNameWithoutExtension(p.File)}"><HintPath>packages\{p.Id}.{p.Version}\lib\{p.File}</HintPath></Reference>"""));
        var language = langVersion is null ? "" : $"<LangVersion>{langVersion}</LangVersion>";
        File.WriteAllText(Path.Combine(_folder, "Probe.nfproj"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <Project ToolsVersion="15.0" DefaultTargets="Build" xmlns="http://schemas.microsoft.com/developer/msbuild/2003">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <AssemblyName>Probe</AssemblyName>
                {language}
              </PropertyGroup>
              <ItemGroup>
                <Compile Include="*.cs" />
              </ItemGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        var config = string.Join("\n", packages.Select(p =>
        {
            var version = packagesConfigOverride is { } o && o.Id == p.Id ? o.Version : p.Version;
            return $"""  <package id="{p.Id}" version="{version}" targetFramework="netnano1.0" />""";
        }));
        File.WriteAllText(Path.Combine(_folder, "packages.config"), $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<packages>\n{config}\n</packages>\n");
        File.WriteAllText(Path.Combine(_folder, "Program.cs"), program);
        return Path.Combine(_folder, "Probe.nfproj");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SmartTerminal.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("SmartTerminal.sln not found above the test assembly");
    }
}
