using System.Security.Cryptography;
using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>
/// Production authentication: with Auth:Authority set, the service takes its signing keys from the
/// OIDC authority's discovery document and JWKS (fetched over HTTP from a real listener here) and
/// accepts that authority's tokens only: not forged ones, not expired ones, not ones for another
/// audience, and no longer its own locally minted ones.
/// </summary>
public sealed class ExternalAuthorityTests : IAsyncLifetime
{
    private readonly OidcAuthority _authority = new();
    private PolicyServiceProcess _service = null!;

    public async Task InitializeAsync()
    {
        try
        {
            _service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
            {
                ["Auth:Authority"] = _authority.Issuer,
                ["Auth:RequireHttpsMetadata"] = "false",
            });
        }
        catch
        {
            _authority.Dispose();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        _authority.Dispose();
    }

    private static CallOptions Bearer(string token) => new(new Metadata { { "Authorization", "Bearer " + token } });

    private async Task<StatusCode> ListFleetsAsync(string token)
    {
        try
        {
            await new ManufacturerService.ManufacturerServiceClient(_service.Channel).ListFleetsAsync(new ListFleetsRequest(), Bearer(token));
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    [Fact]
    public async Task A_token_of_the_authority_is_accepted_with_its_subject_and_role()
    {
        var manufacturers = new ManufacturerService.ManufacturerServiceClient(_service.Channel);
        var token = _authority.Issue("acme-oidc", "manufacturer");

        var fleet = await manufacturers.CreateFleetAsync(new CreateFleetRequest { Name = "OidcWatch", RegulationProfileId = "none" }, Bearer(token));
        var listed = await manufacturers.ListFleetsAsync(new ListFleetsRequest(), Bearer(token));

        Assert.Contains(listed.Fleets, f => f.Id == fleet.Id);
        Assert.Empty((await manufacturers.ListFleetsAsync(new ListFleetsRequest(), Bearer(_authority.Issue("someone-else", "manufacturer")))).Fleets);
        Assert.True(_authority.Requests >= 2, "the service never fetched the authority's metadata and keys");
    }

    [Fact]
    public async Task A_role_from_the_authority_is_enforced()
    {
        Assert.Equal(StatusCode.PermissionDenied, await ListFleetsAsync(_authority.Issue("mum", "guardian")));
    }

    [Fact]
    public async Task Forged_expired_and_foreign_audience_tokens_are_unauthenticated()
    {
        using var forger = RSA.Create(2048);

        Assert.Equal(StatusCode.Unauthenticated, await ListFleetsAsync(_authority.Issue("acme", "manufacturer", signingKey: forger)));
        Assert.Equal(StatusCode.Unauthenticated, await ListFleetsAsync(_authority.Issue("acme", "manufacturer", lifetime: TimeSpan.FromMinutes(-10))));
        Assert.Equal(StatusCode.Unauthenticated, await ListFleetsAsync(_authority.Issue("acme", "manufacturer", audience: "another-api")));
    }

    [Fact]
    public async Task Locally_minted_tokens_are_no_longer_trusted()
    {
        Assert.Equal(StatusCode.Unauthenticated, await ListFleetsAsync(await _service.TokenAsync("manufacturer", "acme")));
    }
}
