using System.Security.Claims;
using Grpc.Core;

namespace SmartTerminal.PolicyService.Security;

/// <summary>Who is calling: the token's subject and role.</summary>
public sealed record Caller(string Id, string Role)
{
    public string AuditName => $"{Role}:{Id}";

    public static Caller From(ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub");
        var role = user.FindFirstValue(ClaimTypes.Role) ?? user.FindFirstValue("role");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(role))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The token has no subject or role."));
        }

        return new Caller(id, role);
    }
}
