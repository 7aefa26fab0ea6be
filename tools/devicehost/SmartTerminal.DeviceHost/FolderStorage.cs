using SmartTerminal.Device.Core.Platform;
using SmartTerminal.Device.Core.Storage;

namespace SmartTerminal.DeviceHost;

/// <summary>
/// A device's flash as a folder, with the same crash-safe replace the ESP32 runs
/// (<see cref="CrashSafeStorage"/> over plain file operations that, like nanoFramework's, cannot
/// move onto an existing file).
/// </summary>
public static class FolderStorage
{
    public static IStorage Open(string folder) => new CrashSafeStorage(new FolderFileSystem(folder));
}

/// <summary>Plain file operations in one folder, each write flushed to the disk.</summary>
public sealed class FolderFileSystem : IFileSystem
{
    private readonly string _folder;

    public FolderFileSystem(string folder)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
    }

    public bool Exists(string name) => File.Exists(PathOf(name));

    public byte[] ReadAll(string name) => File.ReadAllBytes(PathOf(name));

    public void WriteAll(string name, byte[] data, int count)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Create, FileAccess.Write);
        stream.Write(data, 0, count);
        stream.Flush(flushToDisk: true);
    }

    public void Delete(string name) => File.Delete(PathOf(name));

    // Without overwrite, as nanoFramework's File.Move: it throws when the destination exists.
    public void Move(string from, string to) => File.Move(PathOf(from), PathOf(to), overwrite: false);

    public int Length(string name) => File.Exists(PathOf(name)) ? (int)new FileInfo(PathOf(name)).Length : -1;

    public int ReadAt(string name, int position, byte[] buffer, int offset, int count)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.Read);
        stream.Position = position;
        var total = 0;
        int read;
        while (total < count && (read = stream.Read(buffer, offset + total, count - total)) > 0)
        {
            total += read;
        }

        return total;
    }

    public void Append(string name, byte[] data, int offset, int count)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Append, FileAccess.Write);
        stream.Write(data, offset, count);
        stream.Flush(flushToDisk: true);
    }

    public void Truncate(string name, int length)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
    }

    private string PathOf(string name) => Path.Combine(_folder, name);
}
