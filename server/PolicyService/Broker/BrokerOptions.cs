using System.ComponentModel.DataAnnotations;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>Which broker carries the device link.</summary>
public enum BrokerMode
{
    /// <summary>MQTTnet inside this process (design brief section 6: the default that runs on one machine).</summary>
    Embedded,

    /// <summary>An MQTT 5 broker of its own (Mosquitto, EMQX, HiveMQ) that several replicas share.</summary>
    External,
}

/// <summary>
/// The device link's broker: the embedded one (port, address, TLS, login limits) or an external one
/// (<see cref="External.ExternalBrokerOptions"/>); the service account is the same in both.
/// </summary>
public sealed class BrokerOptions : IValidatableObject
{
    public const string Section = "Broker";

    public BrokerMode Mode { get; set; } = BrokerMode.Embedded;

    /// <summary>Plain MQTT port of the embedded broker.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Address the embedded broker listens on.</summary>
    [Required]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// User name of the service's own broker account. Devices can never use it: device user names
    /// are device ids, and this account is checked first.
    /// </summary>
    [Required]
    [MinLength(3)]
    public string ServiceUserName { get; set; } = "policy-service";

    /// <summary>
    /// Password of the service account; when empty, a random one is generated at start (embedded mode
    /// only: an external broker needs the one it was given).
    /// </summary>
    public string? ServicePassword { get; set; }

    /// <summary>Failed logins of one client id from one address, per minute, before further attempts are refused unchecked.</summary>
    [Range(1, 1000)]
    public int FailedLoginsPerClient { get; set; } = 5;

    /// <summary>
    /// Failed logins from one address per minute (any client ids) before the address is refused for the
    /// rest of the minute; 0 turns the per-address limit off. Mobile carriers put many watches behind one
    /// address (CGNAT): size it for the devices that may share one.
    /// </summary>
    [Range(0, 1_000_000)]
    public int FailedLoginsPerAddress { get; set; } = 200;

    /// <summary>Port of the optional MQTT-over-TLS endpoint; 0 leaves it off.</summary>
    [Range(0, 65535)]
    public int TlsPort { get; set; }

    /// <summary>PKCS#12 (.pfx) file with the broker's certificate and private key, required with <see cref="TlsPort"/>.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>Password of the .pfx file, if any.</summary>
    public string? TlsCertificatePassword { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == BrokerMode.External && string.IsNullOrEmpty(ServicePassword))
        {
            yield return new ValidationResult("Broker:ServicePassword is required with Broker:Mode=External (the service account's password in that broker)", [nameof(ServicePassword)]);
        }

        if (TlsPort != 0 && (string.IsNullOrEmpty(TlsCertificatePath) || !File.Exists(TlsCertificatePath)))
        {
            yield return new ValidationResult($"Broker:TlsPort is {TlsPort} but Broker:TlsCertificatePath '{TlsCertificatePath}' is not a readable .pfx file", [nameof(TlsCertificatePath)]);
        }
    }
}
