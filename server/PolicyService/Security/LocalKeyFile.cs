using System.Security.Cryptography;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// A random key kept in a file of the data directory (mode 600), created on first start. The
/// embedded default's answer to "where do keys live"; production passes keys by configuration.
/// </summary>
internal static class LocalKeyFile
{
    public static byte[] LoadOrCreate(string dataDirectory, string name, int length)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), name);
        if (File.Exists(path))
        {
            var existing = Convert.FromBase64String(File.ReadAllText(path).Trim());
            if (existing.Length != length)
            {
                throw new InvalidOperationException($"Key file {path} holds {existing.Length} bytes; {length} expected.");
            }

            return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(length);
        File.WriteAllText(path, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key;
    }
}
