using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.DeviceHost;

/// <summary>A device's flash as a folder: atomic replace by temporary file and rename, flushed appends.</summary>
public sealed class FolderStorage : IStorage
{
    private readonly string _folder;

    public FolderStorage(string folder)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
    }

    public byte[] Read(string name) => File.Exists(PathOf(name)) ? File.ReadAllBytes(PathOf(name)) : null!;

    public void Write(string name, byte[] data, int count)
    {
        var temporary = PathOf(name) + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            stream.Write(data, 0, count);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, PathOf(name), overwrite: true);
    }

    public void Delete(string name) => File.Delete(PathOf(name));

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
