using BenchmarkDotNet.Attributes;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Benchmarks;

/// <summary>Verifying (HMAC-SHA256) and decoding the large signed policy, as the device does on receipt.</summary>
[MemoryDiagnoser]
public class PolicyIntakeBenchmarks
{
    private byte[] _envelope = [];
    private PolicyVerifier _verifier = null!;

    [GlobalSetup]
    public void Setup()
    {
        var fixture = new EngineFixture();
        _envelope = fixture.Envelope;
        _verifier = new PolicyVerifier(new DotNetHmac(), new DeviceKeys(EngineFixture.DeviceId, 1, EngineFixture.Key, new byte[32]));
        Console.WriteLine($"// signed large policy: {_envelope.Length} bytes");
    }

    [Benchmark(Description = "verify MAC + decode large policy")]
    public DevicePolicy VerifyAndDecode()
    {
        _verifier.Verify(_envelope, 0, _envelope.Length, 0, out var policy, out _);
        return policy;
    }
}
