namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// The data directory holds children's names and birth months (SQLite) and the service's keys: it is
/// owner-only (0700) and so is every file in it (0600). SQLite creates its -wal and -shm files with the
/// database file's mode, so creating the database file owner-only first covers them.
/// </summary>
public static class PrivateFolder
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder owner-only, or tightens an existing one; returns its full path.</summary>
    public static string Ensure(string directory)
    {
        var path = Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return path;
        }

        Directory.CreateDirectory(path, OwnerOnly);
        if ((File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }

        return path;
    }

    /// <summary>Creates (or truncates) a file for writing, owner-only from the first byte.</summary>
    public static FileStream CreatePrivateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        var stream = new FileStream(path, options);
        RestrictFile(path);
        return stream;
    }

    /// <summary>Creates an empty owner-only file if there is none, or tightens an existing one.</summary>
    public static void CreateOrRestrictFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!File.Exists(path))
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, UnixCreateMode = OwnerReadWrite });
        }

        RestrictFile(path);
    }

    public static void RestrictFile(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path) && (File.GetUnixFileMode(path) & ~OwnerReadWrite) != 0)
        {
            File.SetUnixFileMode(path, OwnerReadWrite);
        }
    }
}
