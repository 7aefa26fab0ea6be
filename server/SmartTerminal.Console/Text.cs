using Microsoft.Extensions.Localization;

// The assembly is SmartTerminal.Console but its namespace SmartTerminal.WebConsole: the localizer finds
// Resources/Text*.resx by the namespace.
[assembly: RootNamespace("SmartTerminal.WebConsole")]

namespace SmartTerminal.WebConsole;

/// <summary>The console's texts (Resources/Text.resx in English, Text.zh-CN.resx in Chinese).</summary>
public sealed class Text
{
}
