using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace SmartTerminal.Testing;

/// <summary>
/// The PolicyService as a real process on free loopback ports (gRPC over HTTP/2, JSON over HTTP/1.1,
/// the embedded MQTT broker) with its own data directory, which it can be restarted on.
/// </summary>
public sealed class PolicyServiceProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _state;
    private readonly ConcurrentDictionary<(string Role, string Subject), string> _tokens = new();
    private ChildProcess _process;

    private PolicyServiceProcess(ChildProcess process, Dictionary<string, string> arguments, IReadOnlyDictionary<string, string> state, string dataDirectory, int grpcPort, int restPort, int mqttPort, string servicePassword)
    {
        _process = process;
        _arguments = arguments;
        _state = state;
        DataDirectory = dataDirectory;
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        RestAddress = new Uri($"http://127.0.0.1:{restPort}");
        MqttPort = mqttPort;
        ServicePassword = servicePassword;
        Channel = GrpcChannel.ForAddress(GrpcAddress);
    }

    public Uri GrpcAddress { get; }

    public Uri RestAddress { get; }

    public int MqttPort { get; }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "smartterminal.db");

    /// <summary>The state database's engine (State:Provider) and connection string, as the service uses them.</summary>
    public (string Provider, string ConnectionString) State =>
        _arguments.TryGetValue("State:Provider", out var provider) && provider == "PostgreSQL"
            ? (provider, _arguments["State:ConnectionString"])
            : ("Sqlite", "Data Source=" + DatabasePath);

    /// <summary>Arguments that point one of the service's commands (mint-token, revoke-token) at this service's data and state.</summary>
    public IReadOnlyList<string> CommandArguments =>
        [.. _arguments.Where(a => a.Key.StartsWith("State:", StringComparison.Ordinal) || a.Key == "PolicyService:DataDirectory").Select(a => $"--{a.Key}={a.Value}")];

    public string ServiceUserName => "policy-service";

    public string ServicePassword { get; }

    public GrpcChannel Channel { get; private set; }

    public string Output => _process.Output;

    /// <summary>The service process id (for its memory, in load harnesses).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the service and waits until its gRPC health check says SERVING. Should another process
    /// take one of its ports first, it starts again on new ones.
    /// </summary>
    public static async Task<PolicyServiceProcess> StartAsync(IDictionary<string, string>? settings = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var service = await LaunchAsync(settings);
            try
            {
                await service.WaitUntilHealthyAsync();
                return service;
            }
            catch (InvalidOperationException)
            {
                // The process and its data folder go in any case; only a port taken by another is retried.
                var portTaken = service.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
                await service.DisposeAsync();
                if (!portTaken || attempt == 3)
                {
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Starts the service and waits only until it is alive (<c>/healthz/live</c>), not healthy: for tests
    /// of a service that must stay not ready (a broker it refuses to trust).
    /// </summary>
    public static async Task<PolicyServiceProcess> StartAliveAsync(IDictionary<string, string> settings)
    {
        var service = await LaunchAsync(settings);
        var alive = await service._process.AnswersHttpAsync(service.RestAddress, "/healthz/live", TimeSpan.FromSeconds(60));
        if (!alive)
        {
            var output = service.Output;
            await service.DisposeAsync();
            throw new InvalidOperationException("PolicyService did not come alive:\n" + output);
        }

        return service;
    }

    private static async Task<PolicyServiceProcess> LaunchAsync(IDictionary<string, string>? settings)
    {
        // The engine under test, unless the test chose the state database itself.
        var state = settings?.Keys.Any(k => k.StartsWith("State:", StringComparison.Ordinal)) == true
            ? new Dictionary<string, string>()
            : await StateUnderTest.NewServiceSettingsAsync();
        var grpcPort = FreePort.Next();
        var restPort = FreePort.Next();
        var mqttPort = FreePort.Next();
        var password = Guid.NewGuid().ToString("N");
        var dataDirectory = Directory.CreateTempSubdirectory("st-service-").FullName;
        var arguments = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Rest:Url"] = $"http://127.0.0.1:{restPort}",
            ["Broker:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Broker:ServicePassword"] = password,
            ["PolicyService:DataDirectory"] = dataDirectory,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in state.Concat(settings ?? new Dictionary<string, string>()))
        {
            arguments[key] = value;
        }

        return new PolicyServiceProcess(Launch(arguments), arguments, state, dataDirectory, grpcPort, restPort, mqttPort, password);
    }

    /// <summary>What <c>/healthz/ready</c> answers now (state database, InfluxDB and broker reachable).</summary>
    public async Task<System.Net.HttpStatusCode> ReadinessAsync()
    {
        using var http = new HttpClient { BaseAddress = RestAddress, Timeout = TimeSpan.FromSeconds(5) };
        return (await http.GetAsync("/healthz/ready")).StatusCode;
    }

    /// <summary>Ends the process with SIGKILL, as a crash or an OOM kill would: no shutdown work runs.</summary>
    public async Task KillAsync()
    {
        System.Diagnostics.Process.GetProcessById(_process.Id).Kill();
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Stops the process (killed, or with SIGTERM as a deployment stops it, letting its shutdown work
    /// run) and starts it again on the same ports and data.
    /// </summary>
    public async Task RestartAsync(bool graceful = false)
    {
        if (graceful)
        {
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await _process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        await _process.DisposeAsync();
        Channel.Dispose();
        Channel = GrpcChannel.ForAddress(GrpcAddress);
        _process = Launch(_arguments);
        await WaitUntilHealthyAsync();
    }

    /// <summary>
    /// Call options carrying a bearer token for the role (or comma-separated roles) and subject, minted
    /// with the service's own "mint-token".
    /// </summary>
    public async Task<CallOptions> As(string role, string subject) =>
        new(new Metadata { { "Authorization", "Bearer " + await TokenAsync(role, subject) } });

    public async Task<string> TokenAsync(string role, string subject)
    {
        if (_tokens.TryGetValue((role, subject), out var cached))
        {
            return cached;
        }

        var dll = RepositoryPaths.PolicyServiceDll;
        await using var mint = ChildProcess.Start("dotnet", [dll, "mint-token", "--role", role, "--subject", subject, .. CommandArguments], Path.GetDirectoryName(dll)!);
        if (await mint.WaitForExitAsync(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("mint-token failed: " + mint.Output);
        }

        // The token is the one line that is a JWT; the token id is reported on standard error.
        var token = mint.Output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("eyJ", StringComparison.Ordinal) && l.Count(c => c == '.') == 2);
        _tokens[(role, subject)] = token;
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _process.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
        await StateUnderTest.ReleaseAsync(_state);
    }

    private static ChildProcess Launch(Dictionary<string, string> arguments)
    {
        var dll = RepositoryPaths.PolicyServiceDll;
        return ChildProcess.Start("dotnet", [dll, .. arguments.Select(a => $"--{a.Key}={a.Value}")], Path.GetDirectoryName(dll)!);
    }

    private async Task WaitUntilHealthyAsync()
    {
        var process = _process;
        var healthy = await Eventually.TrueWithin(TimeSpan.FromSeconds(60), async () =>
        {
            if (process.HasExited)
            {
                return true;
            }

            var reply = await new Health.HealthClient(Channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        });
        if (!healthy || process.HasExited)
        {
            if (process.HasExited)
            {
                // Waiting for the exit again also waits until its redirected output has been read.
                await process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }

            throw new InvalidOperationException($"PolicyService did not become healthy (exited: {process.HasExited}).\n{process.Output}");
        }
    }
}
