using BenchmarkDotNet.Attributes;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.Benchmarks;

/// <summary>
/// The CPU a device login costs the broker: verifying a stored password with the old PBKDF2 scheme
/// (10,000 iterations, the baseline), with the salted HMAC-SHA256 now used, and the dummy check an
/// unknown device id gets (it must cost the same as a known one).
/// </summary>
[MemoryDiagnoser]
public class LoginHashBenchmarks
{
    private const string Password = "ZmFrZS1kZXZpY2UtcGFzc3dvcmQtMTIzNA";
    private byte[] _salt = [];
    private byte[] _pbkdf2 = [];
    private byte[] _salted = [];

    [GlobalSetup]
    public void Setup()
    {
        (_salted, _salt) = PasswordHasher.Hash(Password);
        _pbkdf2 = System.Security.Cryptography.Rfc2898DeriveBytes.Pbkdf2(Password, _salt, 10_000, System.Security.Cryptography.HashAlgorithmName.SHA256, 32);
    }

    [Benchmark(Baseline = true)]
    public bool Pbkdf2Login() => PasswordHasher.Verify(Password, _pbkdf2, _salt, PasswordScheme.Pbkdf2);

    [Benchmark]
    public bool SaltedHmacLogin() => PasswordHasher.Verify(Password, _salted, _salt, PasswordScheme.SaltedSha256);

    [Benchmark]
    public bool UnknownDeviceLogin() => PasswordHasher.VerifyUnknown(Password);
}
