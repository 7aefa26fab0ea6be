using Google.Protobuf;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

public sealed class PolicyCompatibilityTests
{
    public static TheoryData<string> Policies => new() { "full", "large", "empty" };

    private static Wire.DevicePolicy Sample(string name) => name switch
    {
        "full" => SamplePolicies.Full(),
        "large" => SamplePolicies.Large(),
        _ => new Wire.DevicePolicy(),
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void Device_decodes_what_Google_Protobuf_encodes(string name)
    {
        var google = Sample(name);
        var bytes = google.ToByteArray();

        var error = DevicePolicyCodec.TryDecode(bytes, 0, bytes.Length, out var decoded);

        Assert.Equal(ProtoError.None, error);
        Assert.Equivalent(DeviceMapping.ToDevice(google), decoded, strict: true);
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Device_encodes_the_same_bytes_Google_Protobuf_does(string name)
    {
        var google = Sample(name);
        var writer = new ProtoWriter(64);

        DevicePolicyCodec.Encode(DeviceMapping.ToDevice(google), writer);

        Assert.Equal(google.ToByteArray(), writer.ToArray());
        Assert.Equal(google, Wire.DevicePolicy.Parser.ParseFrom(writer.ToArray()));
    }

    [Fact]
    public void Unpacked_repeated_fields_decode_like_packed_ones()
    {
        var google = SamplePolicies.Full();
        var writer = new ProtoWriter(64);
        writer.WriteUInt64(1, google.Version);
        foreach (var minutes in google.DailyBudgetMinutes)
        {
            writer.WriteTag(6, WireType.Varint);
            writer.WriteVarint(minutes);
        }

        foreach (var hash in google.BlockedDomainHashes)
        {
            writer.WriteTag(18, WireType.Fixed32);
            writer.WriteRawFixed32(hash);
        }

        // A second packed run of the same field appends to the first.
        writer.WritePackedFixed32(18, [uint.MaxValue]);
        var bytes = writer.ToArray();

        Assert.Equal(ProtoError.None, DevicePolicyCodec.TryDecode(bytes, 0, bytes.Length, out var decoded));
        var viaGoogle = Wire.DevicePolicy.Parser.ParseFrom(bytes);
        Assert.Equal(viaGoogle.DailyBudgetMinutes, decoded.DailyBudgetMinutes);
        Assert.Equal(viaGoogle.BlockedDomainHashes, decoded.BlockedDomainHashes);
        Assert.Equal(google.BlockedDomainHashes.Count + 1, decoded.BlockedDomainHashes.Length);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped()
    {
        var google = SamplePolicies.Full();
        var extra = new ProtoWriter(64);
        extra.WriteUInt64(100, ulong.MaxValue);
        extra.WriteFixed32(101, 7);
        extra.WriteFixed64(102, 9);
        extra.WriteBytes(103, [1, 2, 3]);
        extra.WriteTag(536_870_911, WireType.Varint);
        extra.WriteVarint(1);
        // Field 6 (a varint list) with a wire type that does not fit it is skipped, as Google does.
        extra.WriteFixed64(6, 99);
        var bytes = google.ToByteArray().Concat(extra.ToArray()).ToArray();

        Assert.Equal(ProtoError.None, DevicePolicyCodec.TryDecode(bytes, 0, bytes.Length, out var decoded));
        Assert.Equivalent(DeviceMapping.ToDevice(google), decoded, strict: true);
    }

    [Fact]
    public void An_unsorted_list_is_refused_because_lookups_are_binary_searches()
    {
        var google = SamplePolicies.Full();
        google.BlockedDomainHashes.Clear();
        google.BlockedDomainHashes.AddRange([5, 3]);
        var bytes = google.ToByteArray();

        Assert.Equal(ProtoError.ValueOutOfRange, DevicePolicyCodec.TryDecode(bytes, 0, bytes.Length, out var decoded));
        Assert.Null(decoded);
    }

    [Fact]
    public void App_attributes_above_one_byte_are_refused()
    {
        var google = SamplePolicies.Full();
        google.Apps[0].AgeRating = 256;
        var bytes = google.ToByteArray();

        Assert.Equal(ProtoError.ValueOutOfRange, DevicePolicyCodec.TryDecode(bytes, 0, bytes.Length, out _));
    }

    [Fact]
    public void Large_policy_stays_under_48_KB_on_the_wire()
    {
        var bytes = SamplePolicies.Large().ToByteArray();

        Assert.InRange(bytes.Length, 20_000, 48 * 1024);
    }
}
