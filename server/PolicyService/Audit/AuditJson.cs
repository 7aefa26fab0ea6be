using System.Text.Json;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>
/// The before/after details of an audit entry, serialised (never interpolated: a serial number with
/// quotes in it must stay one string value, not forge fields of the record).
/// </summary>
public static class AuditJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Of(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);
}
