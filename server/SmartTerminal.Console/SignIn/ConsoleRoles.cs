using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.SignIn;

/// <summary>
/// The roles the console has pages for, each with its landing page and the call that proves a token
/// valid for it. A token with several roles lands on the first of them in this order.
/// </summary>
public static class ConsoleRoles
{
    public const string Guardian = "guardian";
    public const string Manufacturer = "manufacturer";
    public const string Auditor = "auditor";

    private static readonly (string Role, string Home)[] Homes = [(Guardian, "/children"), (Manufacturer, "/fleets"), (Auditor, "/compliance")];

    /// <summary>The role the console serves this user as, and its landing page; null when it has pages for none of them.</summary>
    public static (string Role, string Home)? For(IEnumerable<string> roles)
    {
        var held = roles.ToHashSet(StringComparer.Ordinal);
        return Homes.Where(h => held.Contains(h.Role)).Select(h => ((string, string)?)h).FirstOrDefault();
    }

    /// <summary>A cheap call the role may make: the service answers it only for a valid, unrevoked token with that role.</summary>
    public static async Task ProveAsync(PolicyServiceCalls calls, string role, string token)
    {
        var asUser = await calls.AsUserAsync(token);
        if (role == Guardian)
        {
            await calls.Guardians.ListDevicesAsync(new ListDevicesRequest(), asUser);
        }
        else if (role == Manufacturer)
        {
            await calls.Manufacturers.ListFleetsAsync(new ListFleetsRequest(), asUser);
        }
        else
        {
            await calls.Compliance.ListAuditCheckpointsAsync(new ListAuditCheckpointsRequest(), asUser);
        }
    }
}
