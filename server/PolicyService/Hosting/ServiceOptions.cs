using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Hosting;

/// <summary>The service's data directory and policy limits (the state database itself: <see cref="Storage.StateOptions"/>).</summary>
public sealed class ServiceOptions
{
    public const string Section = "PolicyService";

    /// <summary>
    /// Folder for the SQLite database (when State:Provider is Sqlite) and the generated local keys (secret encryption key, token
    /// signing key). Relative paths are relative to the working directory.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Validity of a compiled policy's UTC-offset table, in days.</summary>
    [Range(7, 400)]
    public int PolicyValidityDays { get; set; } = 60;

    /// <summary>Lifetime of a pairing code an owning guardian issues for a co-guardian (box codes last until the first pairing).</summary>
    [Range(1, 24 * 60 * 30)]
    public int PairingCodeMinutes { get; set; } = 24 * 60;

    /// <summary>
    /// Largest signed policy sent to a device (its memory budget: docs/BENCHMARKS.md). A change whose
    /// policy would be larger is refused with the list to shorten.
    /// </summary>
    [Range(4096, 1024 * 1024)]
    public int MaxPolicyBytes { get; set; } = 32 * 1024;

    /// <summary>Largest API request body, the same for gRPC and JSON (a request over it is refused before it is read).</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "smartterminal.db");
}
