namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>The hash of each regulation profile as last seen (the <c>regulation_profiles</c> table), to notice a changed profile.</summary>
public sealed class ProfileHashStore
{
    public Task<string?> GetAsync(StateSession session, string profileId) =>
        session.QueryFirstOrDefaultAsync<string>("SELECT sha256 FROM regulation_profiles WHERE id = @profileId", new { profileId });

    public Task SetAsync(StateSession session, string profileId, string sha256, long at) =>
        session.ExecuteAsync(
            "INSERT INTO regulation_profiles (id, sha256, seen_at) VALUES (@profileId, @sha256, @at) ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, seen_at = excluded.seen_at",
            new { profileId, sha256, at });
}
