using Google.Protobuf;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

public sealed class WireFormatTests
{
    public static TheoryData<ulong> Varints => new() { 0, 1, 127, 128, 16_383, 16_384, uint.MaxValue, (ulong)uint.MaxValue + 1, long.MaxValue, (ulong)long.MaxValue + 1, ulong.MaxValue };

    [Theory]
    [MemberData(nameof(Varints))]
    public void Varint_bytes_match_Google_Protobuf_and_read_back(ulong value)
    {
        var writer = new ProtoWriter(16);
        writer.WriteVarint(value);
        var expected = Encode(o => o.WriteUInt64(value));

        Assert.Equal(expected, writer.ToArray());
        Assert.Equal(expected.Length, ProtoWriter.VarintSize(value));
        var reader = new ProtoReader(expected);
        Assert.True(reader.ReadVarint64(out var read));
        Assert.Equal(value, read);
        Assert.True(reader.IsAtEnd);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void Signed_32_bit_encodings_match_Google_Protobuf(int value)
    {
        var writer = new ProtoWriter(16);
        writer.WriteVarint((ulong)(long)value);
        writer.WriteVarint(ProtoWriter.ZigZag32(value));
        writer.WriteRawFixed32((uint)value);
        var expected = Encode(o =>
        {
            o.WriteInt32(value);
            o.WriteSInt32(value);
            o.WriteSFixed32(value);
        });

        Assert.Equal(expected, writer.ToArray());
        var reader = new ProtoReader(expected);
        Assert.True(reader.ReadInt32(out var plain));
        Assert.True(reader.ReadSInt32(out var zigzag));
        Assert.True(reader.ReadSFixed32(out var fixedValue));
        Assert.Equal([value, value, value], new[] { plain, zigzag, fixedValue });
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Signed_64_bit_encodings_match_Google_Protobuf(long value)
    {
        var writer = new ProtoWriter(16);
        writer.WriteVarint((ulong)value);
        writer.WriteVarint(ProtoWriter.ZigZag64(value));
        writer.WriteRawFixed64((ulong)value);
        var expected = Encode(o =>
        {
            o.WriteInt64(value);
            o.WriteSInt64(value);
            o.WriteSFixed64(value);
        });

        Assert.Equal(expected, writer.ToArray());
        var reader = new ProtoReader(expected);
        Assert.True(reader.ReadInt64(out var plain));
        Assert.True(reader.ReadSInt64(out var zigzag));
        Assert.True(reader.ReadSFixed64(out var fixedValue));
        Assert.Equal([value, value, value], new[] { plain, zigzag, fixedValue });
    }

    [Fact]
    public void Nested_message_longer_than_127_bytes_gets_a_two_byte_length()
    {
        var writer = new ProtoWriter(4);
        var mark = writer.BeginNested(1);
        writer.WriteBytes(2, new byte[300]);
        writer.EndNested(mark);
        var bytes = writer.ToArray();

        var reader = new ProtoReader(bytes);
        Assert.True(reader.ReadTag(out var tag));
        Assert.Equal((1u << 3) | 2, tag);
        Assert.True(reader.ReadLengthDelimited(out _, out var length));
        Assert.Equal(303, length);
        Assert.True(reader.IsAtEnd);
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }
}
