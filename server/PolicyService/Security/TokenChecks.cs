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
        try
        {
            if (await services.GetRequiredService<TokenRevocations>().IsRevokedAsync(tokenId, token.Subject ?? string.Empty, new DateTimeOffset(issuedAt, TimeSpan.Zero)))
            {
                context.Fail("the token was revoked");
            }
        }
        catch (Exception e) when (Storage.DatabaseFailures.Classify(e) is { Kind: Storage.StateFailureKind.Unavailable } failure)
        {
            // Not known to be revoked is not known to be valid: refused, but as Unavailable (retry), not
            // as a bad token the caller would throw away (see ChallengedAsync).
            context.HttpContext.Items[UnavailableKey] = failure.Message;
            context.Fail("the revocation list could not be read: " + failure.Message);
        }
    }

    private const string UnavailableKey = "SmartTerminal.StateUnavailable";

    /// <summary>
    /// The challenge of a request whose token could not be checked because the state database is
    /// unreachable: Unavailable (gRPC status 14, or 503 with Retry-After on the JSON API) instead of
    /// Unauthenticated.
    /// </summary>
    public static async Task ChallengedAsync(JwtBearerChallengeContext context)
    {
        if (context.HttpContext.Items[UnavailableKey] is not string reason)
        {
            return;
        }

        context.HandleResponse();
        var response = context.Response;
        var message = $"the state database is unavailable ({reason}); try again";
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A trailers-only gRPC answer: the status travels in the headers.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.Unavailable).ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }

        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = "1";
        await response.WriteAsJsonAsync(new { code = (int)Grpc.Core.StatusCode.Unavailable, message, details = Array.Empty<object>() });
    }
}
