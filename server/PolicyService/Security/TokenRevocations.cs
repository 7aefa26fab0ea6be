using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// Revoked tokens: one token by its id (<c>jti</c>), or every token of a subject issued before a
/// moment (a guardian's lost phone, a staff member who left). Checked on every authenticated call;
/// both lookups are by primary key. Works for local tokens and for an external authority's.
/// </summary>
public sealed class TokenRevocations(StateDatabase database, RevocationStore store, TimeProvider time)
{
    public async Task RevokeTokenAsync(string tokenId, DateTimeOffset expiresAt)
    {
        await using var session = await database.WriteAsync();
        // Entries are needed only until the token would expire anyway.
        await store.RevokeTokenAsync(session, tokenId, expiresAt.ToUnixTimeSeconds(), time.GetUtcNow().ToUnixTimeSeconds());
        await session.CommitAsync();
    }

    /// <summary>Revokes every token of the subject issued up to now.</summary>
    public async Task RevokeSubjectAsync(string subject)
    {
        await using var session = await database.WriteAsync();
        // Tokens carry whole seconds: one issued in this second is revoked too.
        await store.RevokeSubjectAsync(session, subject, time.GetUtcNow().ToUnixTimeSeconds() + 1);
        await session.CommitAsync();
    }

    public async Task<bool> IsRevokedAsync(string? tokenId, string subject, DateTimeOffset issuedAt)
    {
        await using var session = await database.ReadAsync();
        return await store.IsRevokedAsync(session, tokenId ?? string.Empty, subject, issuedAt.ToUnixTimeSeconds());
    }
}
