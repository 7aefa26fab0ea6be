using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SmartTerminal.PolicyService.Hosting;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// Mints tokens signed with the service's local key (the embedded default). Each carries an id
/// (<c>jti</c>) so that it can be revoked, and lives at most <see cref="AuthOptions.MaxLocalTokenDays"/>.
/// </summary>
public sealed class LocalTokenIssuer
{
    private readonly AuthOptions _auth;

    public LocalTokenIssuer(IOptions<ServiceOptions> service, IOptions<AuthOptions> auth)
    {
        _auth = auth.Value;
        SigningKey = new SymmetricSecurityKey(LocalKeyFile.LoadOrCreate(service.Value.DataDirectory, "token-signing.key", 32));
    }

    public SymmetricSecurityKey SigningKey { get; }

    public TimeSpan MaxLifetime => TimeSpan.FromDays(_auth.MaxLocalTokenDays);

    public (string Token, string Id) Issue(string subject, IReadOnlyCollection<string> roles, TimeSpan lifetime)
    {
        var unknown = roles.Where(r => !Roles.All.Contains(r, StringComparer.Ordinal)).ToList();
        if (roles.Count == 0 || unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown role '{string.Join(",", unknown)}'; use one or more of: {string.Join(", ", Roles.All)}.", nameof(roles));
        }

        if (string.IsNullOrWhiteSpace(subject) || subject.Length > 256)
        {
            throw new ArgumentException("The subject must be 1-256 characters.", nameof(subject));
        }

        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentException($"A local token lives at most {_auth.MaxLocalTokenDays} days (Auth:MaxLocalTokenDays).", nameof(lifetime));
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", subject), new("jti", id) };
        claims.AddRange(roles.Distinct(StringComparer.Ordinal).Select(role => new Claim("role", role)));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _auth.LocalIssuer,
            Audience = _auth.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
        return (token, id);
    }
}
