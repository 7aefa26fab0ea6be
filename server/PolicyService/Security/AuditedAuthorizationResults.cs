using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using SmartTerminal.PolicyService.Audit;

namespace SmartTerminal.PolicyService.Security;

/// <summary>
/// A call refused because the caller's roles do not allow it (PermissionDenied before any handler runs)
/// is a refused attempt too: it is recorded like the others, then answered as usual.
/// </summary>
public sealed class AuditedAuthorizationResults(AccessDenials denials) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var roles = context.User.FindAll("role").Select(c => c.Value).Where(r => Roles.All.Contains(r, StringComparer.Ordinal)).Order(StringComparer.Ordinal);
            var subject = context.User.FindFirst("sub")?.Value ?? "(no subject)";
            await denials.RecordAsync($"{string.Join('+', roles)}:{subject}", context.Request.Path, "method:" + context.Request.Path, "role");
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
