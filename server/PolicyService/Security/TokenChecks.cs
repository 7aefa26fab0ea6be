using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// What a valid signature does not settle: a revoked token (by id or by subject) is refused, and so
/// is a local token minted with a longer lifetime than <see cref="AuthOptions.MaxLocalTokenDays"/>
/// (an old or hand-made one: the cap must hold for every token the local key ever signed).
/// </summary>
public static class TokenChecks
{
    public static async Task ValidatedAsync(TokenValidatedContext context)
    {
        if (context.SecurityToken is not JsonWebToken token)
        {
            context.Fail("unexpected token type");
            return;
        }

        var services = context.HttpContext.RequestServices;
        var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var local = string.IsNullOrEmpty(auth.Authority);
        if (local && (token.IssuedAt == DateTime.MinValue || token.ValidTo - token.IssuedAt > TimeSpan.FromDays(auth.MaxLocalTokenDays) + TimeSpan.FromMinutes(1)))
        {
            context.Fail($"local tokens live at most {auth.MaxLocalTokenDays} days");
            return;
        }

        var tokenId = token.TryGetPayloadValue<string>("jti", out var jti) ? jti : null;
        var issuedAt = token.IssuedAt == DateTime.MinValue ? token.ValidFrom : token.IssuedAt;
        if (await services.GetRequiredService<TokenRevocations>().IsRevokedAsync(tokenId, token.Subject ?? string.Empty, new DateTimeOffset(issuedAt, TimeSpan.Zero)))
        {
            context.Fail("the token was revoked");
        }
    }
}
