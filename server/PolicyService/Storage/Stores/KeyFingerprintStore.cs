namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>The fingerprints of the service's keys as the first process that used this database had them (the <c>key_fingerprints</c> table).</summary>
public sealed class KeyFingerprintStore
{
    /// <summary>Records the fingerprint unless one is recorded already; returns the recorded one.</summary>
    public async Task<string> RecordOrReadAsync(StateSession session, string name, string fingerprint, long now)
    {
        await session.ExecuteAsync(
            "INSERT INTO key_fingerprints (name, fingerprint, first_seen_at) VALUES (@name, @fingerprint, @now) ON CONFLICT (name) DO NOTHING",
            new { name, fingerprint, now });
        return await session.ScalarAsync<string>("SELECT fingerprint FROM key_fingerprints WHERE name = @name", new { name });
    }
}
