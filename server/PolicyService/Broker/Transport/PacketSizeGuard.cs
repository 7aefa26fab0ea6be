namespace SmartTerminal.PolicyService.Broker.Transport;

/// <summary>A client announced an MQTT packet larger than the broker accepts.</summary>
public sealed class MqttPacketTooLargeException(long announced, int limit)
    : IOException($"MQTT packet of {announced} bytes announced; at most {limit} accepted")
{
    public long Announced { get; } = announced;
}

/// <summary>
/// Follows the MQTT framing of a client's byte stream (fixed header byte, remaining length as a variable
/// byte integer, body) and refuses a packet whose announced length is over the limit as soon as its
/// length has been read, so the broker never allocates or reads the body. MQTTnet's server has no
/// maximum packet size of its own: without this, one device could make it buffer a 256 MB message.
/// </summary>
public sealed class PacketSizeGuard(int maxRemainingLength)
{
    private enum State
    {
        FixedHeader,
        RemainingLength,
        Body,
    }

    private State _state = State.FixedHeader;
    private long _remaining;
    private int _multiplier = 1;
    private int _lengthBytes;

    public int Limit => maxRemainingLength;

    /// <summary>True once this connection announced an oversized packet.</summary>
    public bool Tripped { get; private set; }

    /// <summary>Inspects bytes as they are read; throws <see cref="MqttPacketTooLargeException"/> on an oversized packet.</summary>
    public void Observe(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.FixedHeader:
                    i++;
                    _state = State.RemainingLength;
                    _remaining = 0;
                    _multiplier = 1;
                    _lengthBytes = 0;
                    break;
                case State.RemainingLength:
                    var b = bytes[i++];
                    _remaining += (b & 0x7F) * (long)_multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if (_remaining > maxRemainingLength || (_lengthBytes == 4 && (b & 0x80) != 0))
                    {
                        Tripped = true;
                        throw new MqttPacketTooLargeException(_remaining, maxRemainingLength);
                    }

                    if ((b & 0x80) == 0)
                    {
                        _state = _remaining == 0 ? State.FixedHeader : State.Body;
                    }

                    break;
                case State.Body:
                    var take = (int)Math.Min(_remaining, bytes.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.FixedHeader;
                    }

                    break;
            }
        }
    }
}

/// <summary>The read side of a client connection, watched by a <see cref="PacketSizeGuard"/>.</summary>
public sealed class PacketSizeLimitStream(Stream inner, PacketSizeGuard guard) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        guard.Observe(buffer.AsSpan(offset, read));
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        guard.Observe(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
