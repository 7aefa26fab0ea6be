using System.Text.RegularExpressions;

namespace SmartTerminal.ProtoEnums;

/// <summary>One value of a proto enum: its C# name (prefix dropped, PascalCase), number and comment.</summary>
public sealed record ProtoEnumValue(string Name, int Number, string Comment);

/// <summary>A proto enum as the generator needs it.</summary>
public sealed record ProtoEnum(string Name, string Comment, IReadOnlyList<ProtoEnumValue> Values);

/// <summary>
/// Reads the enums of a .proto file: <c>enum Name { PREFIX_VALUE = 1; }</c> with the <c>//</c> comment
/// lines above each enum and value. Enough of proto3 for the repository's own files (no options on values).
/// </summary>
public static partial class ProtoEnumReader
{
    public static IReadOnlyList<ProtoEnum> Read(string protoText)
    {
        var enums = new List<ProtoEnum>();
        var comment = new List<string>();
        ProtoEnum? current = null;
        var values = new List<ProtoEnumValue>();
        foreach (var raw in protoText.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("//", StringComparison.Ordinal))
            {
                comment.Add(line[2..].Trim());
                continue;
            }

            if (current is null && EnumStart().Match(line) is { Success: true } start)
            {
                current = new ProtoEnum(start.Groups[1].Value, string.Join(' ', comment), []);
                values = [];
            }
            else if (current is not null && EnumValue().Match(line) is { Success: true } value)
            {
                values.Add(new ProtoEnumValue(CSharpName(current.Name, value.Groups[1].Value), int.Parse(value.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), string.Join(' ', comment)));
            }
            else if (current is not null && line.StartsWith('}'))
            {
                enums.Add(current with { Values = values });
                current = null;
            }

            comment.Clear();
        }

        return enums;
    }

    // APP_CATEGORY_GAMES of AppCategory -> Games.
    private static string CSharpName(string enumName, string valueName)
    {
        var prefix = string.Concat(UpperWords().Matches(enumName).Select(m => m.Value.ToUpperInvariant() + "_"));
        var rest = valueName.StartsWith(prefix, StringComparison.Ordinal) ? valueName[prefix.Length..] : valueName;
        return string.Concat(rest.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => w[..1] + w[1..].ToLowerInvariant()));
    }

    [GeneratedRegex(@"^enum\s+(\w+)\s*\{$")]
    private static partial Regex EnumStart();

    [GeneratedRegex(@"^(\w+)\s*=\s*(-?\d+)\s*;")]
    private static partial Regex EnumValue();

    [GeneratedRegex(@"[A-Z][a-z0-9]*")]
    private static partial Regex UpperWords();
}
