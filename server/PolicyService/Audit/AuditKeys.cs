using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>
/// The audit log's two keys, kept outside the database: the chain key (HMAC-SHA256 over each entry, so
/// rows cannot be rewritten and re-chained by someone who only has the database) and the checkpoint
/// signing key (ECDSA P-256; its public half lets an auditor check checkpoints without any secret).
/// Both live in <see cref="AuditOptions.KeyDirectory"/> (the data directory unless set).
/// </summary>
public sealed class AuditKeys : IDisposable
{
    private readonly ECDsa _signing;

    public AuditKeys(IOptions<ServiceOptions> service, IOptions<AuditOptions> audit)
    {
        var directory = string.IsNullOrEmpty(audit.Value.KeyDirectory) ? service.Value.DataDirectory : audit.Value.KeyDirectory;
        ChainKey = LocalKeyFile.LoadOrCreate(directory, "audit-chain.key", 32);
        _signing = ECDsa.Create();
        _signing.ImportPkcs8PrivateKey(LocalKeyFile.LoadOrCreate(directory, "audit-signing.key", () =>
        {
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return created.ExportPkcs8PrivateKey();
        }), out _);
        PublicKeyPem = _signing.ExportSubjectPublicKeyInfoPem();
    }

    public byte[] ChainKey { get; }

    public string PublicKeyPem { get; }

    public byte[] Sign(byte[] statement) => _signing.SignData(statement, HashAlgorithmName.SHA256);

    public bool Verify(byte[] statement, byte[] signature) => _signing.VerifyData(statement, signature, HashAlgorithmName.SHA256);

    public void Dispose() => _signing.Dispose();
}
