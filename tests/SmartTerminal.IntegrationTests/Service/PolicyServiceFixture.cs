using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>One running PolicyService process shared by the tests of a class.</summary>
public sealed class PolicyServiceFixture : IAsyncLifetime
{
    internal PolicyServiceProcess Service { get; private set; } = null!;

    public async Task InitializeAsync() => Service = await PolicyServiceProcess.StartAsync();

    public async Task DisposeAsync() => await Service.DisposeAsync();
}
