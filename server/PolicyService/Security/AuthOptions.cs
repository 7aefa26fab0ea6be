namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// API authentication. With no <see cref="Authority"/> the service trusts tokens signed with its
/// local key (minted with "mint-token"); with one, tokens from that OIDC authority.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>OIDC authority (issuer URL) for production; empty for local tokens.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// Whether the authority's metadata must come over HTTPS (always in production; an authority on
    /// loopback HTTP, as in the tests, needs false).
    /// </summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Expected audience.</summary>
    public string Audience { get; set; } = "smartterminal";

    /// <summary>Issuer of local tokens.</summary>
    public string LocalIssuer { get; set; } = "smartterminal-local";

    /// <summary>Longest lifetime of a local token (mint-token refuses more; a longer one is not accepted).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 366)]
    public int MaxLocalTokenDays { get; set; } = 30;
}
