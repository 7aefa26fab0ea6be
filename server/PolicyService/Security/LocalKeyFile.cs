using System.Security.Cryptography;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// A key kept in a file (base64), created on first start: the embedded default's answer to "where
/// do keys live"; production points the key folders elsewhere (a mounted secret) or passes keys by
/// configuration. Files are created owner-only (0600) from the first byte, in an owner-only folder,
/// and an existing file that others could read is tightened at load.
/// </summary>
internal static class LocalKeyFile
{
    public static byte[] LoadOrCreate(string directory, string name, int length)
    {
        var key = LoadOrCreate(directory, name, () => RandomNumberGenerator.GetBytes(length));
        if (key.Length != length)
        {
            throw new InvalidOperationException($"Key file {Path.Combine(Path.GetFullPath(directory), name)} holds {key.Length} bytes; {length} expected.");
        }

        return key;
    }

    public static byte[] LoadOrCreate(string directory, string name, Func<byte[]> create)
    {
        var path = Path.Combine(PrivateFolder.Ensure(directory), name);
        if (File.Exists(path))
        {
            PrivateFolder.RestrictFile(path);
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        var key = create();
        var temporary = path + ".tmp";
        using (var stream = PrivateFolder.CreatePrivateFile(temporary))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        // Two processes starting at once (the service and mint-token): the first key written wins.
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        return key;
    }
}
