using SmartTerminal.Device.Core.Platform;
using SmartTerminal.Device.Core.Tests.Enforcement;

namespace SmartTerminal.Device.Core.Tests.Storage;

/// <summary>
/// A folder of flash files that behaves like nanoFramework's file system on LittleFS: a rename is
/// atomic but refuses to move onto an existing file, and the power can be cut before any mutating
/// step (a file being written is then left torn, with part of its bytes).
/// </summary>
internal sealed class PowerCutFileSystem : IFileSystem
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    /// <summary>Mutating steps (write, delete, move, append, truncate) performed so far.</summary>
    public int Steps { get; private set; }

    /// <summary>When set, the step with this number (counted from 0) is cut by a power loss.</summary>
    public int? CutAtStep { get; set; }

    public IReadOnlyCollection<string> Names => _files.Keys;

    public bool Exists(string name) => _files.ContainsKey(name);

    public byte[] ReadAll(string name) => _files[name].ToArray();

    public void WriteAll(string name, byte[] data, int count)
    {
        if (Cut())
        {
            // LittleFS keeps a file's last synced state: here, half of what was being written.
            _files[name] = data.AsSpan(0, count / 2).ToArray();
            throw new PowerCutException();
        }

        _files[name] = data.AsSpan(0, count).ToArray();
    }

    public void Delete(string name)
    {
        CutBefore();
        if (!_files.Remove(name))
        {
            throw new IOException($"{name} does not exist");
        }
    }

    public void Move(string from, string to)
    {
        CutBefore();
        if (_files.ContainsKey(to))
        {
            throw new IOException($"{to} exists");
        }

        if (!_files.Remove(from, out var data))
        {
            throw new IOException($"{from} does not exist");
        }

        _files[to] = data;
    }

    public int Length(string name) => _files.TryGetValue(name, out var data) ? data.Length : -1;

    public int ReadAt(string name, int position, byte[] buffer, int offset, int count)
    {
        var data = _files[name];
        var read = Math.Max(0, Math.Min(count, data.Length - position));
        Array.Copy(data, position, buffer, offset, read);
        return read;
    }

    public void Append(string name, byte[] data, int offset, int count)
    {
        CutBefore();
        var old = _files.TryGetValue(name, out var existing) ? existing : [];
        _files[name] = [.. old, .. data.AsSpan(offset, count)];
    }

    public void Truncate(string name, int length)
    {
        CutBefore();
        _files[name] = _files[name].AsSpan(0, length).ToArray();
    }

    private void CutBefore()
    {
        if (Cut())
        {
            throw new PowerCutException();
        }
    }

    private bool Cut()
    {
        var step = Steps++;
        if (CutAtStep == step)
        {
            CutAtStep = null;
            return true;
        }

        return false;
    }
}
