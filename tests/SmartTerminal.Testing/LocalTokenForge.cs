using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SmartTerminal.Testing;

/// <summary>
/// Signs tokens with a service's own local key (read from its data directory), with claims that
/// mint-token would never issue: several role claims in any spelling, any lifetime, no token id. For
/// testing what the service accepts, as someone holding the key (or an older build) could sign.
/// </summary>
public static class LocalTokenForge
{
    public static string Sign(string dataDirectory, string subject, IEnumerable<string> roles, TimeSpan lifetime, string? tokenId = null)
    {
        var key = Convert.FromBase64String(File.ReadAllText(Path.Combine(dataDirectory, "token-signing.key")).Trim());
        var now = DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["iss"] = "smartterminal-local",
            ["aud"] = "smartterminal",
            ["sub"] = subject,
            ["role"] = roles.ToArray(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
        };
        if (tokenId is not null)
        {
            claims["jti"] = tokenId;
        }

        var signed = Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        return signed + "." + Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signed)));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
