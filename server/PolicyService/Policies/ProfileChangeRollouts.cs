using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// The regulation profile is the first layer of every effective policy: when one changed since the last
/// start (a new service version, or a file in Profiles:Directory edited after a regulator's change),
/// every fleet under it is republished in the background, exactly as after a baseline change, and the
/// change is audited. A profile seen for the first time is only recorded.
/// </summary>
public sealed partial class ProfileChangeRollouts(
    RegulationProfiles profiles,
    Database database,
    RolloutService rollouts,
    AuditLog audit,
    TimeProvider time,
    ILogger<ProfileChangeRollouts> logger) : IHostedService
{
    public const string Actor = "system:policy-service";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var profile in profiles.All)
        {
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(profile.ToByteArray()));
            var previous = Record(profile.Id, sha256);
            if (previous is null || previous == sha256)
            {
                continue;
            }

            var fleetIds = FleetsUnder(profile.Id);
            LogChanged(profile.Id, fleetIds.Count);
            foreach (var fleetId in fleetIds)
            {
                rollouts.Start(fleetId, string.Empty);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Stores the profile's hash; returns the one stored before (null the first time), auditing a change.
    private string? Record(string profileId, string sha256)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT sha256 FROM regulation_profiles WHERE id = $id";
        select.Parameters.AddWithValue("$id", profileId);
        var previous = select.ExecuteScalar() as string;
        if (previous == sha256)
        {
            return previous;
        }

        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = "INSERT INTO regulation_profiles (id, sha256, seen_at) VALUES ($id, $h, $at) ON CONFLICT(id) DO UPDATE SET sha256 = $h, seen_at = $at";
        upsert.Parameters.AddWithValue("$id", profileId);
        upsert.Parameters.AddWithValue("$h", sha256);
        upsert.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
        upsert.ExecuteNonQuery();
        if (previous is not null)
        {
            audit.Append(connection, transaction, Actor, "profile.changed", profileId, AuditJson.Of(new { sha256 = previous }), AuditJson.Of(new { sha256 }));
        }

        transaction.Commit();
        return previous;
    }

    private List<string> FleetsUnder(string profileId)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM fleets WHERE profile_id = $p ORDER BY id";
        command.Parameters.AddWithValue("$p", profileId);
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Regulation profile {ProfileId} changed since the last start: republishing {Fleets} fleet(s)")]
    private partial void LogChanged(string profileId, int fleets);
}
