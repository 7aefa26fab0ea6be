using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace SmartTerminal.WebConsole.SignIn;

/// <summary>
/// Sign-in with a token the PolicyService trusts (for the embedded default: one its local issuer minted,
/// <c>scripts/token.sh</c>). The console checks it by calling the service with it, then keeps it only in
/// the encrypted, HTTP-only session cookie: the browser never holds it in script, and every API call the
/// console makes is the user's own, authorised and audited by the service.
/// </summary>
public static class TokenSignIn
{
    public const string TokenName = "access_token";

    /// <summary>What the token says about its holder (read for navigation only; the service verifies the signature).</summary>
    public static (string Subject, IReadOnlyList<string> Roles, DateTimeOffset? ExpiresAt)? Describe(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || token.Length > 8192)
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));
            var root = payload.RootElement;
            var subject = root.TryGetProperty("sub", out var sub) ? sub.GetString() : null;
            if (string.IsNullOrEmpty(subject))
            {
                return null;
            }

            var roles = root.TryGetProperty("role", out var role)
                ? role.ValueKind == JsonValueKind.Array ? [.. role.EnumerateArray().Select(r => r.GetString() ?? string.Empty)] : [role.GetString() ?? string.Empty]
                : new List<string>();
            DateTimeOffset? expires = root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
            return (subject, roles.Where(r => r.Length > 0).ToList(), expires);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public static async Task SignInAsync(HttpContext context, string token)
    {
        var (subject, roles, expires) = Describe(token) ?? throw new ArgumentException("not a token", nameof(token));
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, subject), new Claim(ClaimTypes.Name, subject), .. roles.Select(r => new Claim(ClaimTypes.Role, r))],
            CookieAuthenticationDefaults.AuthenticationScheme);
        var properties = new AuthenticationProperties { IsPersistent = false, ExpiresUtc = expires };
        properties.StoreTokens([new AuthenticationToken { Name = TokenName, Value = token }]);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity), properties);
    }

    public static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        await antiforgery.ValidateRequestAsync(context);
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect("/signin");
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
