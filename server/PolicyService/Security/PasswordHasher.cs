using System.Security.Cryptography;
using System.Text;

namespace SmartTerminal.PolicyService.Security;

/// <summary>How a stored MQTT password hash was made.</summary>
public enum PasswordScheme
{
    /// <summary>PBKDF2-SHA256, 10,000 iterations (hashes from before 2026-12; upgraded at the next login).</summary>
    Pbkdf2 = 0,

    /// <summary>HMAC-SHA256 keyed with a per-device random salt.</summary>
    SaltedSha256 = 1,
}

/// <summary>
/// MQTT device passwords are stored only as salted hashes. They are 192-bit random values the service
/// generates, so a slow hash (PBKDF2) adds nothing against guessing but makes every failed login cost
/// about 4 ms of CPU, which a connection flood turns into a denial of service; one HMAC costs about a
/// microsecond. Unknown device ids are verified against a dummy hash, so both answers cost the same.
/// </summary>
public static class PasswordHasher
{
    public const PasswordScheme Current = PasswordScheme.SaltedSha256;

    private const int Pbkdf2Iterations = 10_000;
    private static readonly byte[] DummySalt = RandomNumberGenerator.GetBytes(16);
    private static readonly byte[] DummyHash = RandomNumberGenerator.GetBytes(32);

    public static (byte[] Hash, byte[] Salt) Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return (Compute(PasswordScheme.SaltedSha256, password, salt), salt);
    }

    public static bool Verify(string password, byte[] hash, byte[] salt, PasswordScheme scheme) =>
        CryptographicOperations.FixedTimeEquals(Compute(scheme, password, salt), hash);

    /// <summary>The same work as a real check, for a device id that does not exist.</summary>
    public static bool VerifyUnknown(string password)
    {
        _ = Verify(password, DummyHash, DummySalt, Current);
        return false;
    }

    private static byte[] Compute(PasswordScheme scheme, string password, byte[] salt) => scheme switch
    {
        PasswordScheme.Pbkdf2 => Rfc2898DeriveBytes.Pbkdf2(password, salt, Pbkdf2Iterations, HashAlgorithmName.SHA256, 32),
        _ => HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(password)),
    };
}
