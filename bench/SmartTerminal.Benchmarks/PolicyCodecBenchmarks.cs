using BenchmarkDotNet.Attributes;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Benchmarks;

/// <summary>
/// Decoding the large policy with the device core's two-pass decoder, against Google.Protobuf's
/// generated parser as the baseline measured in the same run.
/// </summary>
[MemoryDiagnoser]
public class PolicyCodecBenchmarks
{
    private byte[] _policy = [];
    private DevicePolicy _decoded = null!;
    private ProtoWriter _writer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _policy = LargePolicy.Bytes();
        DevicePolicyCodec.TryDecode(_policy, 0, _policy.Length, out _decoded);
        _writer = new ProtoWriter(_policy.Length);
        Console.WriteLine($"// large policy on the wire: {_policy.Length} bytes");
    }

    [Benchmark(Baseline = true, Description = "Google.Protobuf parse")]
    public Wire.DevicePolicy GoogleParse() => Wire.DevicePolicy.Parser.ParseFrom(_policy);

    [Benchmark(Description = "device core decode")]
    public DevicePolicy DeviceDecode()
    {
        DevicePolicyCodec.TryDecode(_policy, 0, _policy.Length, out var policy);
        return policy;
    }

    [Benchmark(Description = "device core encode (reused writer)")]
    public int DeviceEncode()
    {
        _writer.Clear();
        DevicePolicyCodec.Encode(_decoded, _writer);
        return _writer.Length;
    }
}
