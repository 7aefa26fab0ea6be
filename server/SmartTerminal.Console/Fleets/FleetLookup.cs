using System.Globalization;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.SignIn;

namespace SmartTerminal.WebConsole.Fleets;

/// <summary>A manufacturer's fleet by id, and how the fleet pages show times.</summary>
public static class FleetLookup
{
    /// <summary>The signed-in manufacturer's fleet with that id, or null when it is not theirs (or does not exist).</summary>
    public static async Task<Fleet?> FindFleetAsync(this PolicyServiceCalls calls, string fleetId) =>
        (await calls.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), await calls.AsUserAsync())).Fleets.FirstOrDefault(f => f.Id == fleetId);

    /// <summary>A time as the fleet pages and their CSV show it: UTC, to the minute.</summary>
    public static string Utc(Google.Protobuf.WellKnownTypes.Timestamp? at) =>
        at is null ? string.Empty : at.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
