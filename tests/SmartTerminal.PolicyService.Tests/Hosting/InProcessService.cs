using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.Testing;

namespace SmartTerminal.PolicyService.Tests.Hosting;

/// <summary>
/// The whole PolicyService in the test process (its real registrations, gRPC over the in-memory test
/// server, the embedded broker on a free port, SQLite in a temporary folder) with a clock the test
/// moves: what depends on days, expiries and validity is tested without waiting for them.
/// </summary>
public sealed class InProcessService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _folder;

    private InProcessService(WebApplication app, string folder, FakeTimeProvider time)
    {
        _app = app;
        _folder = folder;
        Time = time;
        Channel = GrpcChannel.ForAddress("http://in-process", new GrpcChannelOptions { HttpHandler = app.GetTestServer().CreateHandler() });
    }

    /// <summary>The service's clock: starts at the given moment and moves only when the test says so.</summary>
    public FakeTimeProvider Time { get; }

    public GrpcChannel Channel { get; }

    public static async Task<InProcessService> StartAsync(DateTimeOffset now)
    {
        var folder = Directory.CreateTempSubdirectory("st-inproc-").FullName;
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PolicyService:DataDirectory"] = folder,
            ["Broker:Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.WebHost.UseTestServer();
        builder.Services.AddPolicyService(builder.Configuration);
        var time = new FakeTimeProvider(now);
        builder.Services.AddSingleton<TimeProvider>(time);
        var app = builder.Build();
        app.MapPolicyService();
        await app.StartAsync();
        return new InProcessService(app, folder, time);
    }

    /// <summary>Call options with a local token for the role and subject (issued against the real clock, as tokens are).</summary>
    public CallOptions As(string role, string subject)
    {
        var (token, _) = _app.Services.GetRequiredService<LocalTokenIssuer>().Issue(subject, [role], TimeSpan.FromDays(1));
        return new CallOptions(new Metadata { { "Authorization", "Bearer " + token } });
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
