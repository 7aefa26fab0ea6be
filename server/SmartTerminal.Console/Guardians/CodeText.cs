namespace SmartTerminal.WebConsole.Guardians;

/// <summary>Codes a person reads out or types: in groups, with a space between them.</summary>
public static class CodeText
{
    public static string Grouped(string code, int size) => string.Join(' ', code.Chunk(size).Select(c => new string(c)));
}
