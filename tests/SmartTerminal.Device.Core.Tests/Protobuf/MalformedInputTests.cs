using CsCheck;
using Google.Protobuf;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

/// <summary>
/// Hostile or damaged input must end in a clear <see cref="ProtoError"/>: never an exception
/// escaping the decoder, never a hang, never a half-filled message handed out.
/// </summary>
public sealed class MalformedInputTests
{
    private static ProtoError DecodePolicy(byte[] bytes)
    {
        var error = DevicePolicyCodec.TryDecode(bytes, 0, bytes.Length, out var policy);
        Assert.Equal(error == ProtoError.None, policy is not null);
        return error;
    }

    [Fact]
    public void Empty_input_is_an_empty_policy()
    {
        Assert.Equal(ProtoError.None, DevicePolicyCodec.TryDecode([], 0, 0, out var policy));
        Assert.Equal(0ul, policy.Version);
        Assert.Empty(policy.BlockedDomainHashes);
    }

    [Fact]
    public void Null_buffer_or_range_outside_it_is_an_invalid_argument()
    {
        Assert.Equal(ProtoError.InvalidArgument, DevicePolicyCodec.TryDecode(null!, 0, 0, out _));
        Assert.Equal(ProtoError.InvalidArgument, DevicePolicyCodec.TryDecode(new byte[4], 2, 3, out _));
        Assert.Equal(ProtoError.InvalidArgument, DevicePolicyCodec.TryDecode(new byte[4], -1, 1, out _));
    }

    [Fact]
    public void Every_truncation_of_a_valid_policy_fails_cleanly_or_decodes_a_prefix()
    {
        var bytes = SamplePolicies.Full().ToByteArray();
        var fieldBoundaries = FieldBoundaries(bytes);

        for (var length = 0; length < bytes.Length; length++)
        {
            var error = DecodePolicy(bytes[..length]);
            if (fieldBoundaries.Contains(length))
            {
                // Cut between two top-level fields: a shorter but valid message (unless a list is now unsorted).
                Assert.True(error is ProtoError.None or ProtoError.ValueOutOfRange, $"length {length}: {error}");
            }
            else
            {
                Assert.True(error is ProtoError.Truncated or ProtoError.LengthOutOfRange, $"length {length}: {error}");
            }
        }
    }

    [Fact]
    public void Length_prefix_past_the_end_is_refused()
    {
        // Field 4 (profile_id), length 100, but only 3 bytes follow.
        byte[] bytes = [(4 << 3) | 2, 100, (byte)'a', (byte)'b', (byte)'c'];

        Assert.Equal(ProtoError.LengthOutOfRange, DecodePolicy(bytes));
    }

    [Fact]
    public void Length_prefix_of_four_gigabytes_is_refused_without_allocating_it()
    {
        byte[] bytes = [0x92, 0x01, // tag of field 18, length-delimited
            0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3, 4];

        Assert.Equal(ProtoError.LengthOutOfRange, DecodePolicy(bytes));
    }

    [Fact]
    public void Nested_length_past_its_parent_is_refused()
    {
        // contacts (field 20) of length 3 whose inner contact (field 4) claims 10 bytes.
        byte[] bytes = [(20 << 3) | 2, 3, (4 << 3) | 2, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal(ProtoError.LengthOutOfRange, DecodePolicy(bytes));
    }

    [Fact]
    public void Varint_longer_than_ten_bytes_is_refused()
    {
        byte[] bytes = [(1 << 3) | 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];

        Assert.Equal(ProtoError.VarintTooLong, DecodePolicy(bytes));
    }

    [Fact]
    public void Ten_byte_varint_is_accepted_as_the_maximum()
    {
        byte[] bytes = [(1 << 3) | 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];

        Assert.Equal(ProtoError.None, DevicePolicyCodec.TryDecode(bytes, 0, bytes.Length, out var policy));
        Assert.Equal(ulong.MaxValue, policy.Version);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(7)]
    public void Groups_and_undefined_wire_types_are_refused(int wireType)
    {
        byte[] bytes = [(byte)((1 << 3) | wireType), 0];

        Assert.Equal(ProtoError.InvalidWireType, DecodePolicy(bytes));
    }

    [Fact]
    public void Field_number_zero_is_refused()
    {
        byte[] bytes = [0, 1];

        Assert.Equal(ProtoError.InvalidTag, DecodePolicy(bytes));
    }

    [Fact]
    public void Packed_fixed32_with_a_partial_element_is_refused()
    {
        byte[] bytes = [0x92, 0x01, // tag of field 18, length-delimited
            5, 1, 0, 0, 0, 2];

        Assert.Equal(ProtoError.MalformedPacked, DecodePolicy(bytes));
    }

    [Fact]
    public void Packed_varints_ending_inside_a_varint_are_refused()
    {
        byte[] bytes = [(6 << 3) | 2, 2, 0x05, 0x80];

        Assert.Equal(ProtoError.Truncated, DecodePolicy(bytes));
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x80 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xE4, 0xB8 })]
    [InlineData(new byte[] { 0xFF })]
    public void String_that_is_not_valid_UTF8_is_refused(byte[] invalid)
    {
        byte[] bytes = [(4 << 3) | 2, (byte)invalid.Length, .. invalid];

        Assert.Equal(ProtoError.InvalidUtf8, DecodePolicy(bytes));
    }

    [Fact]
    public void Random_bytes_never_throw_from_any_decoder()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            DecodeEverything(bytes);
        }, iter: 20_000);
    }

    [Fact]
    public void Mutated_valid_messages_never_throw_from_any_decoder()
    {
        var valid = SamplePolicies.Full().ToByteArray();
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, valid.Length]).Sample((position, value, cut) =>
        {
            var bytes = valid.ToArray();
            bytes[position] = value;
            DecodeEverything(bytes[..cut]);
            DecodeEverything(bytes);
        }, iter: 20_000);
    }

    private static void DecodeEverything(byte[] bytes)
    {
        DecodePolicy(bytes);
        Assert.Equal(SignedPolicyEnvelope.TryDecode(bytes, 0, bytes.Length, out var envelope) == ProtoError.None, envelope is not null);
        Assert.Equal(UplinkEnvelope.TryDecode(bytes, 0, bytes.Length, out var uplink) == ProtoError.None, uplink is not null);
        Assert.Equal(ControlMessage.TryDecode(bytes, 0, bytes.Length, out var control) == ProtoError.None, control is not null);
        Assert.Equal(DeviceConfig.TryDecode(bytes, 0, bytes.Length, out var config) == ProtoError.None, config is not null);
    }

    private static HashSet<int> FieldBoundaries(byte[] bytes)
    {
        var boundaries = new HashSet<int> { 0 };
        var input = new CodedInputStream(bytes);
        while (input.ReadTag() != 0)
        {
            input.SkipLastField();
            boundaries.Add((int)input.Position);
        }

        return boundaries;
    }
}
