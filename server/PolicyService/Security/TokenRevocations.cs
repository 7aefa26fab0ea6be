using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// Revoked tokens: one token by its id (<c>jti</c>), or every token of a subject issued before a
/// moment (a guardian's lost phone, a staff member who left). Checked on every authenticated call;
/// both lookups are by primary key. Works for local tokens and for an external authority's.
/// </summary>
public sealed class TokenRevocations(Database database, TimeProvider time)
{
    public void RevokeToken(string tokenId, DateTimeOffset expiresAt)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        // Entries are needed only until the token would expire anyway.
        command.CommandText = """
            DELETE FROM revoked_tokens WHERE expires_at < $now;
            INSERT INTO revoked_tokens (jti, expires_at) VALUES ($jti, $exp) ON CONFLICT (jti) DO NOTHING;
            """;
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$jti", tokenId);
        command.Parameters.AddWithValue("$exp", expiresAt.ToUnixTimeSeconds());
        command.ExecuteNonQuery();
    }

    /// <summary>Revokes every token of the subject issued up to now.</summary>
    public void RevokeSubject(string subject)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO subject_revocations (subject, not_before) VALUES ($s, $t) ON CONFLICT (subject) DO UPDATE SET not_before = excluded.not_before";
        command.Parameters.AddWithValue("$s", subject);
        // Tokens carry whole seconds: one issued in this second is revoked too.
        command.Parameters.AddWithValue("$t", time.GetUtcNow().ToUnixTimeSeconds() + 1);
        command.ExecuteNonQuery();
    }

    public bool IsRevoked(string? tokenId, string subject, DateTimeOffset issuedAt)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $jti)
                OR EXISTS (SELECT 1 FROM subject_revocations WHERE subject = $s AND not_before > $iat)
            """;
        command.Parameters.AddWithValue("$jti", tokenId ?? string.Empty);
        command.Parameters.AddWithValue("$s", subject);
        command.Parameters.AddWithValue("$iat", issuedAt.ToUnixTimeSeconds());
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }
}
