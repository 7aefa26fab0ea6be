using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Fleets;

/// <summary>
/// The lagging-devices filter as the page's query string carries it, and the same filter as the API's
/// request: lagging at least so many hours, with one last refusal (or none) or any.
/// </summary>
public sealed record LaggingFilter(int MinLagHours, string Reason)
{
    /// <summary>The refusal names the filter offers (the device's PolicyRefusal values).</summary>
    public static readonly string[] Reasons =
    [
        "POLICY_REFUSAL_NONE", "POLICY_REFUSAL_BAD_MAC", "POLICY_REFUSAL_NOT_NEWER", "POLICY_REFUSAL_WRONG_DEVICE",
        "POLICY_REFUSAL_MALFORMED", "POLICY_REFUSAL_UNKNOWN_KEY",
    ];

    /// <summary>At most a year: longer would only mean "every lagging device".</summary>
    public const int MaxLagHours = 24 * 366;

    /// <summary>From query values; anything out of range or unknown falls back to "no filter" for that part.</summary>
    public static LaggingFilter From(int? minLagHours, string? reason) => new(
        minLagHours is >= 0 and <= MaxLagHours ? minLagHours.Value : 0,
        reason is not null && Reasons.Contains(reason, StringComparer.Ordinal) ? reason : string.Empty);

    public ListLaggingDevicesRequest Request(string fleetId, uint pageSize, string pageToken)
    {
        var request = new ListLaggingDevicesRequest { FleetId = fleetId, MinLagSeconds = (uint)(MinLagHours * 3600), PageSize = pageSize, PageToken = pageToken };
        if (Reason.Length > 0)
        {
            request.LastRefusal = Reason;
        }

        return request;
    }

    /// <summary>The same filter as a query string for links (next page, CSV).</summary>
    public string Query => $"minLagHours={MinLagHours}&reason={Uri.EscapeDataString(Reason)}";
}
