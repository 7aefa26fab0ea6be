using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SmartTerminal.PolicyService.Hosting;

namespace SmartTerminal.PolicyService.Security;

/// <summary>Mints and validates tokens signed with the service's local key (the embedded default).</summary>
public sealed class LocalTokenIssuer
{
    private readonly AuthOptions _auth;

    public LocalTokenIssuer(IOptions<ServiceOptions> service, IOptions<AuthOptions> auth)
    {
        _auth = auth.Value;
        SigningKey = new SymmetricSecurityKey(LocalKeyFile.LoadOrCreate(service.Value.DataDirectory, "token-signing.key", 32));
    }

    public SymmetricSecurityKey SigningKey { get; }

    public string Issue(string subject, string role, TimeSpan lifetime)
    {
        if (!Roles.All.Contains(role, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown role '{role}'; use one of: {string.Join(", ", Roles.All)}.", nameof(role));
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _auth.LocalIssuer,
            Audience = _auth.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("role", role)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }
}
