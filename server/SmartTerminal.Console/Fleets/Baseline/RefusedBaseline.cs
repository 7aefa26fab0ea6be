using System.Text.RegularExpressions;
using Grpc.Core;

namespace SmartTerminal.WebConsole.Fleets.Baseline;

/// <summary>The service's refusal of a baseline change, mapped to the editor's fields.</summary>
public static partial class RefusedBaseline
{
    /// <summary>
    /// The form field ids the violations name (a request band index is turned back into the shown
    /// band's), and the service's paths of those the editor does not show.
    /// </summary>
    public static (HashSet<string> Fields, List<string> Others) From(RpcException refusal, IReadOnlyList<int> shownIndexOfRequestBand)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        var others = new List<string>();
        foreach (var violation in refusal.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations ?? [])
        {
            var match = BandPath().Match(violation.Field);
            var field = match.Success ? BaselineField.All.FirstOrDefault(f => f.ServicePath == match.Groups["path"].Value) : null;
            var requestIndex = match.Success ? int.Parse(match.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
            if (field is not null && requestIndex < shownIndexOfRequestBand.Count)
            {
                fields.Add(field.Id(shownIndexOfRequestBand[requestIndex]));
            }
            else
            {
                others.Add(violation.Field);
            }
        }

        return (fields, others);
    }

    [GeneratedRegex(@"^age_bands\[(?<i>\d{1,4})\]\.(?<path>[a-z_.]+)$")]
    private static partial Regex BandPath();
}
