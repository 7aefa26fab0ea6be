namespace SmartTerminal.Testing;

/// <summary>Locates the repository and the build outputs of the processes the tests start.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration this test assembly was built in.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string PolicyServiceDll =>
        Path.Combine(Root, "server", "PolicyService", "bin", Configuration, "net10.0", "SmartTerminal.PolicyService.dll");

    public static string ConsoleDll =>
        Path.Combine(Root, "server", "SmartTerminal.Console", "bin", Configuration, "net10.0", "SmartTerminal.Console.dll");

    public static string FlasherDll =>
        Path.Combine(Root, "tools", "flasher", "SmartTerminal.Flasher", "bin", Configuration, "net10.0", "SmartTerminal.Flasher.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SmartTerminal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SmartTerminal.sln not found above " + AppContext.BaseDirectory);
    }
}
