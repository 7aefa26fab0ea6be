namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>Revoked tokens and subjects (the <c>revoked_tokens</c> and <c>subject_revocations</c> tables); times in Unix seconds.</summary>
public sealed class RevocationStore
{
    /// <summary>Revokes one token; entries of tokens expired by now go (they are refused anyway).</summary>
    public async Task RevokeTokenAsync(StateSession session, string tokenId, long expiresAt, long now)
    {
        await session.ExecuteAsync("DELETE FROM revoked_tokens WHERE expires_at < @now", new { now });
        await session.ExecuteAsync("INSERT INTO revoked_tokens (jti, expires_at) VALUES (@tokenId, @expiresAt) ON CONFLICT (jti) DO NOTHING", new { tokenId, expiresAt });
    }

    public Task RevokeSubjectAsync(StateSession session, string subject, long notBefore) =>
        session.ExecuteAsync(
            "INSERT INTO subject_revocations (subject, not_before) VALUES (@subject, @notBefore) ON CONFLICT (subject) DO UPDATE SET not_before = excluded.not_before",
            new { subject, notBefore });

    public async Task<bool> IsRevokedAsync(StateSession session, string tokenId, string subject, long issuedAt) =>
        await session.ScalarAsync<long>(
            """
            SELECT (SELECT COUNT(*) FROM revoked_tokens WHERE jti = @tokenId)
                 + (SELECT COUNT(*) FROM subject_revocations WHERE subject = @subject AND not_before > @issuedAt)
            """,
            new { tokenId, subject, issuedAt }) > 0;
}
