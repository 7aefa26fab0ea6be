using Grpc.Health.V1;
using Grpc.Net.Client;

namespace SmartTerminal.IntegrationTests.Infrastructure;

/// <summary>
/// The PolicyService as a real process on free loopback ports: gRPC over HTTP/2, JSON over
/// HTTP/1.1 and the embedded MQTT broker.
/// </summary>
internal sealed class PolicyServiceProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private PolicyServiceProcess(ChildProcess process, int grpcPort, int restPort, int mqttPort, string servicePassword)
    {
        _process = process;
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        RestAddress = new Uri($"http://127.0.0.1:{restPort}");
        MqttPort = mqttPort;
        ServicePassword = servicePassword;
        Channel = GrpcChannel.ForAddress(GrpcAddress);
    }

    public Uri GrpcAddress { get; }

    public Uri RestAddress { get; }

    public int MqttPort { get; }

    public string ServiceUserName => "policy-service";

    public string ServicePassword { get; }

    public GrpcChannel Channel { get; }

    public string Output => _process.Output;

    /// <summary>Starts the service and waits until its gRPC health check says SERVING.</summary>
    public static async Task<PolicyServiceProcess> StartAsync(IDictionary<string, string>? settings = null)
    {
        var grpcPort = FreePort.Next();
        var restPort = FreePort.Next();
        var mqttPort = FreePort.Next();
        var password = Guid.NewGuid().ToString("N");
        var arguments = new Dictionary<string, string>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpcPort}",
            ["Kestrel:Endpoints:Rest:Url"] = $"http://127.0.0.1:{restPort}",
            ["Broker:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Broker:ServicePassword"] = password,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            arguments[key] = value;
        }

        var dll = RepositoryPaths.PolicyServiceDll;
        var process = ChildProcess.Start(
            "dotnet",
            [dll, .. arguments.Select(a => $"--{a.Key}={a.Value}")],
            Path.GetDirectoryName(dll)!);
        var service = new PolicyServiceProcess(process, grpcPort, restPort, mqttPort, password);
        var healthy = await Eventually.TrueWithin(TimeSpan.FromSeconds(60), async () =>
        {
            if (process.HasExited)
            {
                return true;
            }

            var reply = await new Health.HealthClient(service.Channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
            return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        });
        if (!healthy || process.HasExited)
        {
            var output = process.Output;
            await service.DisposeAsync();
            throw new InvalidOperationException($"PolicyService did not become healthy (exited: {process.HasExited}).\n{output}");
        }

        return service;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _process.DisposeAsync();
    }
}
