using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenTelemetry.Metrics;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Application.Compliance;
using SmartTerminal.PolicyService.Application.Devices;
using SmartTerminal.PolicyService.Application.Fleets;
using SmartTerminal.PolicyService.Application.Guardians;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Broker;
using SmartTerminal.PolicyService.Broker.External;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Exports;
using SmartTerminal.PolicyService.Ingestion;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Hosting;

/// <summary>Registrations of the policy service, kept out of Program.cs.</summary>
public static class PolicyServiceRegistration
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddPolicyService(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServiceOptions>().Bind(configuration.GetSection(ServiceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BrokerOptions>().Bind(configuration.GetSection(BrokerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InfluxOptions>().Bind(configuration.GetSection(InfluxOptions.Section))
            .Validate(o => string.IsNullOrEmpty(o.Url) || !string.IsNullOrEmpty(o.Token), "Influx:Token is required with Influx:Url (an API token; for InfluxDB 1.x, user:password)")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);

        // State: the database on its engine, one store per aggregate (the only SQL), and security.
        services.AddOptions<StateOptions>().Bind(configuration.GetSection(StateOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Provider != StateProvider.PostgreSQL || !string.IsNullOrWhiteSpace(o.ConnectionString), "State:ConnectionString is required with State:Provider=PostgreSQL")
            .ValidateOnStart();
        services.AddSingleton<StateDatabase>();
        services.AddSingleton<DeviceStore>();
        services.AddSingleton<FleetStore>();
        services.AddSingleton<LayerStore>();
        services.AddSingleton<DevicePolicyStore>();
        services.AddSingleton<PairingStore>();
        services.AddSingleton<WatermarkStore>();
        services.AddSingleton<StoredAheadStore>();
        services.AddSingleton<ChildRequestStore>();
        services.AddSingleton<QuarantineStore>();
        services.AddSingleton<RolloutStore>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<RevocationStore>();
        services.AddSingleton<ProfileHashStore>();
        services.AddSingleton<StoredEnvelopes>();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<LocalTokenIssuer>();
        services.AddSingleton<TokenRevocations>();
        services.AddSingleton<AuditKeys>();
        services.AddSingleton<KeyFingerprintStore>();
        // First of the hosted services: nothing starts on keys that differ from the other replicas'.
        services.AddHostedService<KeyConsistencyCheck>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditCheckpoints>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditCheckpoints>());
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AccessDenials>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessDenials>());

        // Registry and policies.
        services.AddOptions<ProfileOptions>().Bind(configuration.GetSection(ProfileOptions.Section));
        services.AddSingleton<RegulationProfiles>();
        services.AddSingleton<FleetRegistry>();
        services.AddSingleton<DeviceRegistry>();
        services.AddSingleton<PairingService>();
        services.AddSingleton<DeviceLifecycle>();
        services.AddSingleton<PolicyLayers>();
        services.AddSingleton<PolicyResolver>();
        services.AddSingleton<PolicyDistributor>();
        services.AddOptions<RolloutOptions>().Bind(configuration.GetSection(RolloutOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.DevicesPerSecond == 0 || (double)o.BatchSize / o.DevicesPerSecond < o.LeaseSeconds, "Rollouts: a batch's time slot (BatchSize / DevicesPerSecond) must be shorter than LeaseSeconds")
            .ValidateOnStart();
        services.AddSingleton<RolloutService>();
        services.AddHostedService(sp => sp.GetRequiredService<RolloutService>());

        services.AddDeviceLink(configuration);
        // After the broker: the rollouts it may start publish at once.
        services.AddHostedService<ProfileChangeRollouts>();
        services.AddSingleton<TelemetryWriter>();
        services.AddHttpClient("influx", client => client.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<UsageQueries>();
        services.AddOptions<ComplianceOptions>().Bind(configuration.GetSection(ComplianceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FleetAgeBands>();
        services.AddSingleton<DeviceFleets>();
        services.AddSingleton<ComplianceReports>();
        services.AddSingleton<ReportExports>();
        services.AddSingleton<UplinkWatermarks>();
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UplinkQuarantine>();
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<DeviceQuota>();
        services.AddSingleton<TelemetryOutage>();
        services.AddSingleton<AskedRequests>();
        services.AddSingleton<UplinkDecoder>();
        services.AddSingleton<BatchWriter>();
        services.AddSingleton<SharedUplinkLedger>();
        services.AddSingleton<AckCommitter>();
        services.AddHostedService<UplinkPipeline>();

        // The use cases the API calls, one service each (Application/).
        services.AddSingleton<FleetManagement>();
        services.AddSingleton<DeviceProvisioning>();
        services.AddSingleton<ChildDevices>();
        services.AddSingleton<ChildPolicy>();
        services.AddSingleton<TimeGrants>();
        services.AddSingleton<ChildRequests>();
        services.AddSingleton<ChildUsage>();
        services.AddSingleton<ChildHistory>();
        services.AddSingleton<ComplianceReading>();

        // Readiness: what the service needs to do its work. /healthz/live only says the process serves.
        var health = services.AddGrpcHealthChecks();
        if (IsExternalBroker(configuration))
        {
            health.Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                "mqtt-broker",
                sp => new ExternalBrokerHealthCheck(sp.GetRequiredService<ExternalBrokerConnection>(), sp.GetRequiredService<RetainedPolicyRestore>(), sp.GetService<MosquittoDynamicSecurity>()),
                failureStatus: null,
                tags: [ReadyTag]));
        }
        else
        {
            health.AddCheck<BrokerHealthCheck>("mqtt-broker", tags: [ReadyTag]);
        }

        health
            .AddCheck<StateDatabaseHealthCheck>("state-database", tags: [ReadyTag])
            .AddCheck<InfluxHealthCheck>("influxdb", tags: [ReadyTag]);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(IngestMetrics.MeterName)
            .AddPrometheusExporter());
        // Error details (BadRequest field violations) must be known to the JSON side too.
        // One request size for both transports: gRPC's message limit and Kestrel's body limit (JSON).
        var maxRequestBytes = configuration.GetValue<int?>($"{ServiceOptions.Section}:{nameof(ServiceOptions.MaxRequestBytes)}") ?? new ServiceOptions().MaxRequestBytes;
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = maxRequestBytes);
        services.AddGrpc(options =>
        {
            options.Interceptors.Add<ApiErrorInterceptor>();
            options.MaxReceiveMessageSize = maxRequestBytes;
        }).AddJsonTranscoding(options => options.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(Google.Rpc.BadRequest.Descriptor));
        services.AddGrpcReflection();
        services.AddPolicyServiceAuthentication(configuration);
        return services;
    }

    // The device link: the embedded broker, or a connection to an external one; everything above the
    // seams in DeviceLink/ is the same code in both modes.
    private static void AddDeviceLink(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ServiceAccount>();
        services.AddSingleton<UplinkIntake>();
        services.AddSingleton<IUplinkSource>(sp => sp.GetRequiredService<UplinkIntake>());
        if (!IsExternalBroker(configuration))
        {
            services.AddSingleton<LoginThrottle>();
            services.AddSingleton<BrokerAccessControl>();
            services.AddSingleton<ClientIdHandover>();
            services.AddSingleton<EmbeddedMqttBroker>();
            services.AddSingleton<IDeviceDownlink>(sp => sp.GetRequiredService<EmbeddedMqttBroker>());
            services.AddSingleton<IDeviceSessions>(sp => sp.GetRequiredService<EmbeddedMqttBroker>());
            services.AddSingleton<IBrokerAccounts, LoginsInStateDatabase>();
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedMqttBroker>());
            return;
        }

        services.AddOptions<ExternalBrokerOptions>().Bind(configuration.GetSection(ExternalBrokerOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Url is not null, "Broker:External:Url is required with Broker:Mode=External (mqtt://host:port or mqtts://host:port)")
            .ValidateOnStart();
        services.AddSingleton<ExternalBrokerConnection>();
        services.AddSingleton<IDeviceDownlink>(sp => sp.GetRequiredService<ExternalBrokerConnection>());
        services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerConnection>());
        services.AddSingleton<RetainedPolicyRestore>();
        // Created at start so its marker subscription and connect check are in place before the first connection.
        services.AddHostedService(sp => sp.GetRequiredService<RetainedPolicyRestore>());
        var provisioning = configuration.GetValue<BrokerProvisioning?>($"{ExternalBrokerOptions.Section}:{nameof(ExternalBrokerOptions.Provisioning)}") ?? BrokerProvisioning.None;
        if (provisioning == BrokerProvisioning.MosquittoDynamicSecurity)
        {
            services.AddSingleton<MosquittoDynamicSecurity>();
            services.AddSingleton<IBrokerAccounts>(sp => sp.GetRequiredService<MosquittoDynamicSecurity>());
            services.AddSingleton<IDeviceSessions>(sp => sp.GetRequiredService<MosquittoDynamicSecurity>());
            services.AddSingleton<BrokerLoginReconciliation>();
            services.AddHostedService(sp => sp.GetRequiredService<BrokerLoginReconciliation>());
        }
        else
        {
            services.AddSingleton<IBrokerAccounts, LoginsInStateDatabase>();
            services.AddSingleton<IDeviceSessions, SessionsEndedByBroker>();
        }
    }

    private static bool IsExternalBroker(IConfiguration configuration) =>
        configuration.GetValue<BrokerMode?>($"{BrokerOptions.Section}:{nameof(BrokerOptions.Mode)}") == BrokerMode.External;

    public static WebApplication MapPolicyService(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGrpcService<ManufacturerApi>();
        app.MapGrpcService<GuardianApi>();
        app.MapGrpcService<ComplianceApi>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapHealthChecks("/healthz/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        // Prometheus text format; aggregates only (no device ids), on the same endpoints as the API.
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/", () => "SmartTerminal PolicyService. gRPC (HTTP/2) and JSON (HTTP/1.1, under /v1) are served on the endpoints in Kestrel:Endpoints.");
        return app;
    }

    // JWT bearer: tokens of an external OIDC authority when Auth:Authority is set, else tokens signed
    // with the local key (minted with "mint-token").
    private static void AddPolicyServiceAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>, LocalTokenIssuer>((jwt, auth, issuer) =>
        {
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                NameClaimType = "sub",
                RoleClaimType = "role",
                ValidAudience = auth.Value.Audience,
                ClockSkew = TimeSpan.FromMinutes(1),
            };
            jwt.Events = new JwtBearerEvents { OnTokenValidated = TokenChecks.ValidatedAsync, OnChallenge = TokenChecks.ChallengedAsync };
            if (string.IsNullOrEmpty(auth.Value.Authority))
            {
                jwt.TokenValidationParameters.ValidIssuer = auth.Value.LocalIssuer;
                jwt.TokenValidationParameters.IssuerSigningKey = issuer.SigningKey;
            }
            else
            {
                jwt.Authority = auth.Value.Authority;
                jwt.RequireHttpsMetadata = auth.Value.RequireHttpsMetadata;
            }
        });
        services.AddAuthorization();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuditedAuthorizationResults>();
    }
}
