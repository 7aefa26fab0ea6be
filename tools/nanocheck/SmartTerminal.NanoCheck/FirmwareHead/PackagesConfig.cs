using System.Xml.Linq;

namespace SmartTerminal.NanoCheck.FirmwareHead;

/// <summary>One package of a nanoFramework project's packages.config.</summary>
public sealed record NuGetPackage(string Id, string Version)
{
    public override string ToString() => $"{Id} {Version}";
}

/// <summary>The packages.config next to a .nfproj: the packages NuGet restores into packages\.</summary>
public static class PackagesConfig
{
    public static IReadOnlyList<NuGetPackage> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return XDocument.Load(path).Root!.Elements("package")
            .Select(element => new NuGetPackage((string?)element.Attribute("id") ?? "", (string?)element.Attribute("version") ?? ""))
            .ToList();
    }
}
