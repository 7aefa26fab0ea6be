using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartTerminal.IntegrationTests.Infrastructure;
using SmartTerminal.Testing;

namespace SmartTerminal.IntegrationTests.Service;

/// <summary>The optional MQTT-over-TLS endpoint of the embedded broker.</summary>
public sealed class BrokerTlsTests
{
    private static (string Path, string Thumbprint) CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(Directory.CreateTempSubdirectory("st-tls-").FullName, "broker.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "pfx-secret"));
        return (path, certificate.Thumbprint);
    }

    [Fact]
    public async Task A_device_connects_over_TLS_pinning_the_broker_certificate_and_gets_its_policy()
    {
        var (path, thumbprint) = CreateCertificate();
        try
        {
            var tlsPort = FreePort.Next();
            await using var service = await PolicyServiceProcess.StartAsync(new Dictionary<string, string>
            {
                ["Broker:TlsPort"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Broker:TlsCertificatePath"] = path,
                ["Broker:TlsCertificatePassword"] = "pfx-secret",
            });
            var fleet = await FleetScenario.CreateAsync(service);
            var device = await fleet.RegisterAsync();

            await using var client = await MqttTestClient.ConnectAsync(tlsPort, device.DeviceId, device.DeviceId, device.MqttPassword, thumbprint);
            await client.SubscribeAsync($"st/v1/{device.DeviceId}/policy");

            Assert.NotNull(await client.WaitForAsync($"st/v1/{device.DeviceId}/policy", TimeSpan.FromSeconds(10)));
            await Assert.ThrowsAnyAsync<Exception>(() => MqttTestClient.ConnectAsync(tlsPort, device.DeviceId, device.DeviceId, device.MqttPassword, "00FF"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_TLS_port_without_a_certificate_stops_the_service_at_start_with_a_clear_error()
    {
        var dll = RepositoryPaths.PolicyServiceDll;
        var data = Directory.CreateTempSubdirectory("st-service-").FullName;
        await using var process = ChildProcess.Start("dotnet",
            [dll, $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{FreePort.Next()}", $"--Kestrel:Endpoints:Rest:Url=http://127.0.0.1:{FreePort.Next()}",
             $"--Broker:Port={FreePort.Next()}", "--Broker:TlsPort=8883", "--Broker:TlsCertificatePath=/nonexistent/broker.pfx", $"--PolicyService:DataDirectory={data}"],
            Path.GetDirectoryName(dll)!);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("TlsCertificatePath", process.Output, StringComparison.Ordinal);
        Directory.Delete(data, recursive: true);
    }
}
