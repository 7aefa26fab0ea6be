using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// Encrypts device secrets at rest (policy keys, guardian-code secrets) with AES-256-GCM under a
/// master key: a stolen database alone reveals no device key. Layout: nonce (12) | tag (16) | cipher.
/// </summary>
public sealed class SecretProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SecretProtector(IOptions<ServiceOptions> options)
    {
        _key = LocalKeyFile.LoadOrCreate(options.Value.DataDirectory, "secrets.key", 32);
    }

    /// <summary>The key, for <see cref="KeyConsistencyCheck"/>'s fingerprint only.</summary>
    internal byte[] KeyForFingerprint => _key;

    public byte[] Protect(byte[] plain, string purpose)
    {
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(purpose));
        return output;
    }

    public byte[] Unprotect(byte[] protectedBytes, string purpose)
    {
        var plain = new byte[protectedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(protectedBytes.AsSpan(0, NonceSize), protectedBytes.AsSpan(NonceSize + TagSize), protectedBytes.AsSpan(NonceSize, TagSize), plain, AssociatedData(purpose));
        return plain;
    }

    // Binds each ciphertext to its column and row, so secrets cannot be swapped between devices.
    private static byte[] AssociatedData(string purpose) => System.Text.Encoding.UTF8.GetBytes(purpose);
}
