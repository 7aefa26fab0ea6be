using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// The regulation profile is the first layer of every effective policy: when one changed since the last
/// start (a new service version, or a file in Profiles:Directory edited after a regulator's change),
/// every fleet under it is republished in the background, exactly as after a baseline change, and the
/// change is audited. A profile seen for the first time is only recorded.
/// </summary>
public sealed partial class ProfileChangeRollouts(
    RegulationProfiles profiles,
    StateDatabase database,
    ProfileHashStore hashes,
    FleetStore fleets,
    RolloutService rollouts,
    AuditLog audit,
    TimeProvider time,
    ILogger<ProfileChangeRollouts> logger) : IHostedService
{
    public const string Actor = "system:policy-service";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var profile in profiles.All)
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(profile.ToByteArray()));
            var previous = await RecordAsync(profile.Id, sha256);
            if (previous is null || previous == sha256)
            {
                continue;
            }

            IReadOnlyList<string> fleetIds;
            await using (var session = await database.ReadAsync(cancellationToken))
            {
                fleetIds = await fleets.UnderProfileAsync(session, profile.Id);
            }

            LogChanged(profile.Id, fleetIds.Count);
            foreach (var fleetId in fleetIds)
            {
                await rollouts.StartAsync(fleetId, string.Empty);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Stores the profile's hash; returns the one stored before (null the first time), auditing a change.
    private async Task<string?> RecordAsync(string profileId, string sha256)
    {
        await using var session = await database.WriteAsync();
        // Replicas starting together: one records the change and starts its rollouts, the others see it done.
        await session.LockAsync("profile:" + profileId);
        var previous = await hashes.GetAsync(session, profileId);
        if (previous == sha256)
        {
            return previous;
        }

        await hashes.SetAsync(session, profileId, sha256, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (previous is not null)
        {
            await audit.AppendAsync(session, Actor, "profile.changed", profileId, AuditJson.Of(new { sha256 = previous }), AuditJson.Of(new { sha256 }));
        }

        await session.CommitAsync();
        return previous;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Regulation profile {ProfileId} changed since the last start: republishing {Fleets} fleet(s)")]
    private partial void LogChanged(string profileId, int fleets);
}
