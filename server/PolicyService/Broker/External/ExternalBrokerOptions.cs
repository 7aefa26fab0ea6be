using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>How device logins get into an external broker.</summary>
public enum BrokerProvisioning
{
    /// <summary>
    /// The broker authenticates devices from the state database itself (EMQX's PostgreSQL
    /// authenticator, docs/SCALING.md); the service provisions nothing.
    /// </summary>
    None,

    /// <summary>Mosquitto's dynamic-security plugin, administered over $CONTROL/dynamic-security/v1 by the service account.</summary>
    MosquittoDynamicSecurity,
}

/// <summary>An external MQTT 5 broker that several service replicas share (Broker:Mode=External).</summary>
public sealed class ExternalBrokerOptions : IValidatableObject
{
    public const string Section = "Broker:External";

    /// <summary>mqtt://host:port or mqtts://host:port (TLS).</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Name of the shared subscription every replica joins ($share/{ShareGroup}/st/v1/+/up): the broker
    /// hands each uplink to one of them.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string ShareGroup { get; set; } = "policy-service";

    /// <summary>This replica's client id; unique per replica (default: service name, host and process id).</summary>
    public string? ClientId { get; set; }

    /// <summary>PEM file of the CA that signed the broker's certificate (mqtts); the system's trust store when empty.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>
    /// QoS 1 uplinks the broker may have in flight to this replica before it waits for acknowledgements
    /// (MQTT 5 Receive Maximum): the broker-side back-pressure while ingestion catches up.
    /// </summary>
    [Range(1, 65535)]
    public int ReceiveMaximum { get; set; } = 1000;

    [Range(5, 3600)]
    public int KeepAliveSeconds { get; set; } = 30;

    public BrokerProvisioning Provisioning { get; set; } = BrokerProvisioning.None;

    /// <summary>How often the broker's device logins are compared with the state database and repaired.</summary>
    [Range(1, 1440)]
    public int ReconcileMinutes { get; set; } = 15;

    /// <summary>Time to wait for an answer of the broker's administration API.</summary>
    [Range(1, 120)]
    public int CommandTimeoutSeconds { get; set; } = 10;

    public bool UsesTls => Url?.Scheme is "mqtts" or "ssl" or "tls";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Url is not null && Url.Scheme is not ("mqtt" or "tcp" or "mqtts" or "ssl" or "tls"))
        {
            yield return new ValidationResult($"Broker:External:Url '{Url}' must be mqtt://host:port or mqtts://host:port", [nameof(Url)]);
        }

        if (!string.IsNullOrEmpty(CaCertificatePath) && !File.Exists(CaCertificatePath))
        {
            yield return new ValidationResult($"Broker:External:CaCertificatePath '{CaCertificatePath}' is not a readable file", [nameof(CaCertificatePath)]);
        }
    }
}
