using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;

namespace SmartTerminal.WebConsole.Compliance;

/// <summary>An export the console produced: the file, its row count and its SHA-256 as the service gave them and as checked here.</summary>
public sealed record ExportFile(string Id, string FileName, byte[] Bytes, ulong Rows, uint SuppressedGroups, string ServiceSha256)
{
    /// <summary>The SHA-256 of the bytes the console received (hex, lower case).</summary>
    public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(Bytes));

    /// <summary>True when what arrived is exactly what the service says it sent.</summary>
    public bool Verified => string.Equals(Sha256, ServiceSha256, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Finished exports kept a short while for their download link: per signed-in user (nobody else's link
/// works), bounded in size (a file and all files together), gone after <see cref="Lifetime"/>.
/// </summary>
public sealed class ExportFiles : IDisposable
{
    public const int MaxFileBytes = 64 * 1024 * 1024;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);
    private const long MaxTotalBytes = 256L * 1024 * 1024;

    private readonly MemoryCache _files = new(new MemoryCacheOptions { SizeLimit = MaxTotalBytes });

    public void Keep(ClaimsPrincipal user, ExportFile file) =>
        _files.Set((Owner(user), file.Id), file, new MemoryCacheEntryOptions { Size = file.Bytes.Length, AbsoluteExpirationRelativeToNow = Lifetime });

    public ExportFile? Find(ClaimsPrincipal user, string id) => _files.TryGetValue((Owner(user), id), out ExportFile? file) ? file : null;

    // Files belong to the signed-in user's id (the token's subject).
    private static string Owner(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? string.Empty;

    public void Dispose() => _files.Dispose();
}
