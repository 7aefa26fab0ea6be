namespace SmartTerminal.WebConsole.SignIn;

/// <summary>Return addresses taken from a form or the query: only paths on this site, never another host.</summary>
public static class LocalPath
{
    /// <summary>The path when it is local ("/x", not "//host" or "/\host"), else the fallback.</summary>
    public static string OrDefault(string? path, string fallback) =>
        path is { Length: > 0 } && path[0] == '/' && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal)
            ? path
            : fallback;
}
