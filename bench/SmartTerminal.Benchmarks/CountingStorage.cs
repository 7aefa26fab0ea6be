using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Benchmarks;

/// <summary>In-memory flash that counts the bytes written, for the flash-wear figure.</summary>
internal sealed class CountingStorage : IStorage
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public long BytesWritten { get; private set; }

    public byte[] Read(string name) => _files.TryGetValue(name, out var data) ? data.ToArray() : null!;

    public void Write(string name, byte[] data, int count)
    {
        _files[name] = data[..count];
        BytesWritten += count;
    }

    public void Delete(string name) => _files.Remove(name);

    public int Length(string name) => _files.TryGetValue(name, out var data) ? data.Length : -1;

    public int ReadAt(string name, int position, byte[] buffer, int offset, int count)
    {
        var data = _files[name];
        var n = Math.Max(0, Math.Min(count, data.Length - position));
        Array.Copy(data, position, buffer, offset, n);
        return n;
    }

    public void Append(string name, byte[] data, int offset, int count)
    {
        _files[name] = [.. _files.GetValueOrDefault(name, []), .. data.AsSpan(offset, count).ToArray()];
        BytesWritten += count;
    }

    public void Truncate(string name, int length) => _files[name] = _files[name][..length];
}

/// <summary>A transport that is never connected: the device is offline, everything stays in flash.</summary>
internal sealed class OfflineTransport : SmartTerminal.Device.Core.Runtime.IMqttTransport
{
    public event SmartTerminal.Device.Core.Runtime.MqttMessageHandler? MessageReceived
    {
        add { }
        remove { }
    }

    public bool IsConnected => false;

    public bool Connect(string clientId, string userName, string password, string willTopic, byte[] willPayload) => false;

    public bool Subscribe(string[] topics) => false;

    public bool Publish(string topic, byte[] payload, int offset, int count, bool retain) => false;

    public void Disconnect()
    {
    }
}
