using System.Security.Cryptography;

namespace SmartTerminal.PolicyService.Security;

/// <summary>MQTT device passwords are stored only as PBKDF2-SHA256 hashes.</summary>
public static class PasswordHasher
{
    // Device passwords are 256-bit random values, so a modest iteration count suffices and keeps
    // broker connection storms cheap.
    private const int Iterations = 10_000;

    public static (byte[] Hash, byte[] Salt) Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return (Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, 32), salt);
    }

    public static bool Verify(string password, byte[] hash, byte[] salt) =>
        CryptographicOperations.FixedTimeEquals(Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, 32), hash);
}
