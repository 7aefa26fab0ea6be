using SmartTerminal.PolicyService.Broker;

namespace SmartTerminal.PolicyService.Hosting;

/// <summary>Registrations of the policy service, kept out of Program.cs.</summary>
public static class PolicyServiceRegistration
{
    public static IServiceCollection AddPolicyService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BrokerOptions>()
            .Bind(configuration.GetSection(BrokerOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ServiceAccount>();
        services.AddSingleton<BrokerAccessControl>();

        var brokerEmbedded = configuration.GetSection(BrokerOptions.Section).GetValue(nameof(BrokerOptions.Embedded), true);
        var healthChecks = services.AddGrpcHealthChecks();
        if (brokerEmbedded)
        {
            services.AddSingleton<EmbeddedMqttBroker>();
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedMqttBroker>());
            healthChecks.AddCheck<BrokerHealthCheck>("mqtt-broker");
        }

        services.AddGrpc().AddJsonTranscoding();
        services.AddGrpcReflection();
        return services;
    }

    public static WebApplication MapPolicyService(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapGet("/", () => "SmartTerminal PolicyService. gRPC (HTTP/2) and JSON (HTTP/1.1, under /v1) are served on the endpoints in Kestrel:Endpoints.");
        return app;
    }
}
