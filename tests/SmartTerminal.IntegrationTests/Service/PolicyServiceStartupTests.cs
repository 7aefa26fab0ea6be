using System.Buffers;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using MQTTnet;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

public sealed class PolicyServiceStartupTests(PolicyServiceFixture fixture) : IClassFixture<PolicyServiceFixture>
{
    private PolicyServiceProcess Service => fixture.Service;

    [Fact]
    public async Task Health_service_reports_serving_over_HTTP2()
    {
        var reply = await new Health.HealthClient(Service.Channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Reflection_lets_a_generic_client_discover_the_services()
    {
        var client = new ServerReflection.ServerReflectionClient(Service.Channel);
        using var call = client.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", services);
    }

    [Fact]
    public async Task Plain_HTTP1_endpoint_answers_for_curl_and_JSON_clients()
    {
        using var http = new HttpClient { BaseAddress = Service.RestAddress };

        var text = await http.GetStringAsync("/");

        Assert.Contains("SmartTerminal PolicyService", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embedded_broker_refuses_wrong_credentials()
    {
        var result = await MqttTestClient.TryConnectAsync(Service.MqttPort, "intruder", Service.ServiceUserName, "wrong-password");

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result);
    }

    [Fact]
    public async Task Embedded_broker_refuses_anonymous_clients()
    {
        var result = await MqttTestClient.TryConnectAsync(Service.MqttPort, "anonymous", null, null);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result);
    }

    [Fact]
    public async Task Service_account_round_trips_a_QoS1_message_through_the_embedded_broker()
    {
        await using var subscriber = await MqttTestClient.ConnectAsync(Service.MqttPort, "svc-sub", Service.ServiceUserName, Service.ServicePassword);
        await using var publisher = await MqttTestClient.ConnectAsync(Service.MqttPort, "svc-pub", Service.ServiceUserName, Service.ServicePassword);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await subscriber.SubscribeAsync("st/v1/+/up"));

        Assert.Equal(MqttClientPublishReasonCode.Success, await publisher.PublishAsync("st/v1/dev-1/up", [1, 2, 3]));

        var message = await subscriber.WaitForAsync("st/v1/dev-1/up", TimeSpan.FromSeconds(10));
        Assert.NotNull(message);
        Assert.Equal([1, 2, 3], message.Payload.ToArray());
    }
}

public sealed class PolicyServiceConfigurationTests
{
    [Fact]
    public async Task Out_of_range_broker_port_stops_the_service_at_start_with_a_clear_error()
    {
        var dll = RepositoryPaths.PolicyServiceDll;
        var data = Directory.CreateTempSubdirectory("st-service-").FullName;
        await using var process = ChildProcess.Start(
            "dotnet",
            [dll, $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{FreePort.Next()}", $"--Kestrel:Endpoints:Rest:Url=http://127.0.0.1:{FreePort.Next()}", "--Broker:Port=70000", $"--PolicyService:DataDirectory={data}"],
            Path.GetDirectoryName(dll)!);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Directory.Delete(data, recursive: true);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Port", process.Output, StringComparison.Ordinal);
        Assert.Contains("65535", process.Output, StringComparison.Ordinal);
    }
}
