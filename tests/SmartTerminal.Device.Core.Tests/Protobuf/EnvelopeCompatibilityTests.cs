using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

public sealed class EnvelopeCompatibilityTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static Wire.SignedPolicyEnvelope SignWithGoogle(Wire.DevicePolicy policy)
    {
        var envelope = new Wire.SignedPolicyEnvelope
        {
            DeviceId = "st-0001",
            Version = policy.Version,
            KeyId = 3,
            Policy = policy.ToByteString(),
        };
        // The MAC covers the envelope without its mac field, which is what the device slices out.
        envelope.Mac = ByteString.CopyFrom(HMACSHA256.HashData(Key, envelope.ToByteArray()));
        return envelope;
    }

    [Fact]
    public void Device_slices_out_the_signed_bytes_and_policy_Google_Protobuf_wrote()
    {
        var policy = SamplePolicies.Large();
        var envelope = SignWithGoogle(policy);
        var bytes = envelope.ToByteArray();

        Assert.Equal(ProtoError.None, SignedPolicyEnvelope.TryDecode(bytes, 0, bytes.Length, out var decoded));

        Assert.Equal("st-0001", decoded.DeviceId);
        Assert.Equal(policy.Version, decoded.Version);
        Assert.Equal(3u, decoded.KeyId);
        var signed = bytes.AsSpan(decoded.SignedOffset, decoded.SignedLength).ToArray();
        Assert.Equal(envelope.Mac.ToByteArray(), HMACSHA256.HashData(Key, signed));
        Assert.Equal(envelope.Mac.ToByteArray(), bytes.AsSpan(decoded.MacOffset, SignedPolicyEnvelope.MacLength).ToArray());
        Assert.Equal(policy.ToByteArray(), bytes.AsSpan(decoded.PolicyOffset, decoded.PolicyLength).ToArray());
    }

    [Fact]
    public void Device_written_envelope_parses_in_Google_Protobuf_with_the_same_bytes()
    {
        var policy = SamplePolicies.Full().ToByteArray();
        var writer = new ProtoWriter(64);
        SignedPolicyEnvelope.WriteSignedPart(writer, "st-0001", 77, 3, policy, 0, policy.Length);
        var mac = HMACSHA256.HashData(Key, writer.ToArray());
        SignedPolicyEnvelope.WriteMac(writer, mac);

        var parsed = Wire.SignedPolicyEnvelope.Parser.ParseFrom(writer.ToArray());

        Assert.Equal("st-0001", parsed.DeviceId);
        Assert.Equal(77ul, parsed.Version);
        Assert.Equal(policy, parsed.Policy.ToByteArray());
        Assert.Equal(parsed.ToByteArray(), writer.ToArray());
    }

    [Fact]
    public void Envelope_with_fields_out_of_canonical_order_is_refused()
    {
        var writer = new ProtoWriter(64);
        writer.WriteUInt64(2, 5);
        writer.WriteString(1, "st-0001");
        writer.WriteBytes(5, new byte[32]);
        var bytes = writer.ToArray();

        Assert.Equal(ProtoError.ValueOutOfRange, SignedPolicyEnvelope.TryDecode(bytes, 0, bytes.Length, out var decoded));
        Assert.Null(decoded);
    }

    [Fact]
    public void Envelope_with_a_field_after_the_mac_or_a_short_mac_is_refused()
    {
        var writer = new ProtoWriter(64);
        writer.WriteString(1, "st-0001");
        writer.WriteBytes(5, new byte[32]);
        writer.WriteUInt64(6, 1);
        var trailing = writer.ToArray();
        writer.Clear();
        writer.WriteString(1, "st-0001");
        writer.WriteBytes(5, new byte[31]);
        var shortMac = writer.ToArray();

        Assert.Equal(ProtoError.ValueOutOfRange, SignedPolicyEnvelope.TryDecode(trailing, 0, trailing.Length, out _));
        Assert.Equal(ProtoError.ValueOutOfRange, SignedPolicyEnvelope.TryDecode(shortMac, 0, shortMac.Length, out _));
    }

    [Fact]
    public void Envelope_without_a_mac_is_refused()
    {
        var bytes = new Wire.SignedPolicyEnvelope { DeviceId = "st-0001", Version = 1 }.ToByteArray();

        Assert.Equal(ProtoError.ValueOutOfRange, SignedPolicyEnvelope.TryDecode(bytes, 0, bytes.Length, out _));
    }
}
