using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.SignIn;

/// <summary>One HTTP/2 channel to the PolicyService for the whole console.</summary>
public sealed class PolicyServiceChannel(IOptions<ConsoleOptions> options) : IDisposable
{
    public GrpcChannel Channel { get; } = GrpcChannel.ForAddress(options.Value.PolicyServiceUrl);

    public void Dispose() => Channel.Dispose();
}

/// <summary>The PolicyService's clients for this request, calling with the signed-in user's own token.</summary>
public sealed class PolicyServiceCalls(PolicyServiceChannel channel, IHttpContextAccessor http)
{
    public GuardianService.GuardianServiceClient Guardians => new(channel.Channel);

    public ManufacturerService.ManufacturerServiceClient Manufacturers => new(channel.Channel);

    public ComplianceService.ComplianceServiceClient Compliance => new(channel.Channel);

    /// <summary>Call options with the user's bearer token (the one in the session cookie, or the one given).</summary>
    public async Task<CallOptions> AsUserAsync(string? token = null, CancellationToken cancellationToken = default)
    {
        token ??= http.HttpContext is { } context ? await context.GetTokenAsync(TokenSignIn.TokenName) : null;
        return new CallOptions(
            new Metadata { { "Authorization", "Bearer " + (token ?? string.Empty) } },
            deadline: DateTime.UtcNow.AddSeconds(10),
            cancellationToken: cancellationToken);
    }
}
