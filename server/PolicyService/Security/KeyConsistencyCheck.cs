using System.Security.Cryptography;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// Replicas must share the keys kept outside the database: with another <c>secrets.key</c> a replica cannot
/// read the devices' keys and MQTT passwords, with another token key its tokens fail on the other replicas,
/// with another audit-chain key it breaks the chain. At start the keys' fingerprints (an HMAC of a fixed
/// text under each key: they reveal nothing of it) are compared with the ones recorded by the first process
/// that used the database; a mismatch stops the start with a message saying which key differs.
/// </summary>
public sealed class KeyConsistencyCheck(StateDatabase database, KeyFingerprintStore store, SecretProtector secrets, LocalTokenIssuer tokens, AuditKeys audit, TimeProvider time) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var keys = new (string Name, byte[] Key)[]
        {
            ("secrets.key", secrets.KeyForFingerprint),
            ("token-signing.key", tokens.SigningKey.Key),
            ("audit-chain.key", audit.ChainKey),
        };
        await using var session = await database.WriteAsync(cancellationToken);
        await session.LockAsync("key-fingerprints");
        var mismatched = new List<string>();
        foreach (var (name, key) in keys)
        {
            var fingerprint = Fingerprint(key);
            if (await store.RecordOrReadAsync(session, name, fingerprint, time.GetUtcNow().ToUnixTimeMilliseconds()) != fingerprint)
            {
                mismatched.Add(name);
            }
        }

        await session.CommitAsync();
        if (mismatched.Count > 0)
        {
            throw new InvalidOperationException(
                $"This process's {string.Join(", ", mismatched)} differ from the keys the state database was written with: give every replica the same keys " +
                "(the same data directory contents, or the same secret store; docs/SCALING.md). Refusing to start.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Fingerprint(byte[] key) => Convert.ToHexStringLower(HMACSHA256.HashData(key, "smartterminal key fingerprint v1"u8));
}
