namespace SmartTerminal.WebConsole;

/// <summary>File names of the console's downloads.</summary>
public static class DownloadNames
{
    /// <summary>An id as a part of a file name: letters, digits, '-' and '_' only, so no id can break the Content-Disposition header or name a path.</summary>
    public static string Part(string id) => new([.. id.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')]);
}
