using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.WebConsole;

/// <summary>Where the console finds the PolicyService and keeps its keys (the <c>Console</c> section).</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>The PolicyService's gRPC endpoint (HTTP/2); every call carries the signed-in user's own token.</summary>
    [Required]
    public Uri PolicyServiceUrl { get; set; } = new("http://127.0.0.1:5080");

    /// <summary>Folder for the keys that protect the sign-in cookie (kept across restarts).</summary>
    [Required]
    public string DataDirectory { get; set; } = "console-data";
}
