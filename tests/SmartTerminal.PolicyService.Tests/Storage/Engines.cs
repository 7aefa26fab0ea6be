using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.Testing;

namespace SmartTerminal.PolicyService.Tests.Storage;

/// <summary>
/// A fresh state database on either engine for the storage tests: SQLite in a temporary folder, or a
/// new database in the tests' throw-away PostgreSQL cluster. Tests take the engine as a theory
/// parameter, so every store test runs on both.
/// </summary>
public sealed class Engines : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("st-store-").FullName;
    private string? _postgres;

    /// <summary>Theory data: both engines.</summary>
    public static TheoryData<StateProvider> Both => [StateProvider.Sqlite, StateProvider.PostgreSQL];

    public string Folder => _folder;

    public async Task<StateOptions> OptionsAsync(StateProvider provider)
    {
        if (provider == StateProvider.Sqlite)
        {
            return new StateOptions { Provider = provider, TimeoutSeconds = 5 };
        }

        _postgres ??= await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        return new StateOptions { Provider = provider, ConnectionString = _postgres, TimeoutSeconds = 5 };
    }

    public async Task<StateDatabase> OpenAsync(StateProvider provider) => Open(await OptionsAsync(provider));

    public StateDatabase Open(StateOptions options) =>
        new(Options.Create(options), Options.Create(new ServiceOptions { DataDirectory = _folder }));

    public async ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        if (_postgres is not null)
        {
            await (await PostgresServer.SharedAsync()).DropDatabaseAsync(_postgres);
        }
    }
}
