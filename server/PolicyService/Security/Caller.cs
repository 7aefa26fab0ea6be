using System.Security.Claims;
using Grpc.Core;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// Who is calling: the token's subject and every role it carries (an OIDC provider may issue several).
/// Each call is checked against the role it needs and only that role: a read-only role (auditor)
/// widens what may be read, never what may be written, and never stands in for fleet ownership.
/// </summary>
public sealed record Caller(string Id, IReadOnlySet<string> Roles, string Method)
{
    /// <summary>Actor name in the audit log: "manufacturer:acme", "auditor+manufacturer:acme".</summary>
    public string AuditName => $"{string.Join('+', Roles.Order(StringComparer.Ordinal))}:{Id}";

    public bool Has(string role) => Roles.Contains(role);

    public static Caller From(ServerCallContext context) => From(context.GetHttpContext().User, context.Method);

    public static Caller From(ClaimsPrincipal user, string method)
    {
        var id = user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier);
        // Only the known roles, compared exactly: "Manufacturer" or a look-alike is no role at all.
        var roles = user.FindAll("role").Concat(user.FindAll(ClaimTypes.Role))
            .Select(claim => claim.Value)
            .Where(role => Security.Roles.All.Contains(role, StringComparer.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(id) || roles.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The token has no subject or no known role."));
        }

        return new Caller(id, roles, method);
    }
}
