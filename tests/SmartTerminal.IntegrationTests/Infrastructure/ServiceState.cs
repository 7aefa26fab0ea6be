using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>
/// The state database of a running service, opened from the test on the same engine and connection
/// string the service uses: to read what it stored, and in tampering tests to change rows behind its
/// back. The SQL runs on SQLite and PostgreSQL alike.
/// </summary>
public static class ServiceState
{
    public static StateDatabase Of(PolicyServiceProcess service)
    {
        var (provider, connectionString) = service.State;
        return new StateDatabase(
            Options.Create(new StateOptions { Provider = Enum.Parse<StateProvider>(provider), ConnectionString = connectionString, TimeoutSeconds = 5 }),
            Options.Create(new ServiceOptions { DataDirectory = service.DataDirectory }));
    }

    public static async Task<int> ExecuteAsync(PolicyServiceProcess service, string sql, object? parameters = null)
    {
        await using var session = await Of(service).OpenAsync();
        return await session.ExecuteAsync(sql, parameters);
    }

    public static async Task<IReadOnlyList<T>> QueryAsync<T>(PolicyServiceProcess service, string sql, object? parameters = null)
    {
        await using var session = await Of(service).ReadAsync();
        return await session.QueryAsync<T>(sql, parameters);
    }
}
