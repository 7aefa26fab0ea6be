using Grpc.Core;
using Microsoft.Extensions.Localization;

namespace SmartTerminal.WebConsole.Guardians.Rules;

/// <summary>The service's refusal of a rules change, field by field in the guardian's language.</summary>
public static class RefusedRules
{
    /// <summary>
    /// Field id to message for the violations the form shows (worded from the field's bound, not from
    /// the service's English text), and the service's paths of the ones it does not.
    /// </summary>
    public static (Dictionary<string, string> Fields, List<string> Others) From(RpcException refusal, RuleHints hints, IStringLocalizer<Text> text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var others = new List<string>();
        var violations = refusal.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations ?? [];
        foreach (var violation in violations)
        {
            if (RuleFields.FromServicePath(violation.Field) is { } field)
            {
                fields.TryAdd(field, hints.Bound(field) is { } bound ? text["RulesAboveBound", bound] : text["RulesNotAccepted"]);
            }
            else
            {
                others.Add(violation.Field);
            }
        }

        if (fields.Count == 0 && others.Count == 0)
        {
            others.Add(string.Empty);
        }

        return (fields, others);
    }
}
