using System.Globalization;

namespace SmartTerminal.Flasher;

/// <summary>What the operator asked for, parsed and checked before anything is registered or flashed.</summary>
public sealed record FlasherOptions
{
    public const string Usage = """
        usage:
          flasher provision   --serial SN --fleet FLEET_ID [--model MODEL_ID] COMMON
          flasher reprovision --device-id ID --reason TEXT COMMON          (rotates the unit's keys)
        COMMON:
          --service URL            PolicyService gRPC address (default http://127.0.0.1:5080)
          --token TOKEN            manufacturer bearer token (or the ST_TOKEN environment variable)
          --mqtt-host HOST         broker host the unit connects to (required)
          --mqtt-port N            broker port (default 1883, or 8883 with --mqtt-ca)
          --mqtt-ca FILE           PEM of the broker's CA: the unit connects with TLS
          --heartbeat-seconds N    heartbeat interval (default 3600, 60-86400)
          --outbox-bytes N         telemetry outbox on flash (default 65536, 16384-1048576)
          --sntp HOST[,HOST...]    time servers (default pool.ntp.org)
          --out DIR                unit folder for config.bin, deploy.json, unit.json, flash.log (required)
          --port PORT              serial port of the unit, e.g. /dev/ttyUSB0 (required unless --no-flash)
          --target NAME            nanoFramework target (default ESP32_PSRAM_REV3)
          --image FILE             application image (SmartTerminal.Firmware.bin; required unless --no-flash)
          --address HEX            deployment address of the target (default 0x1E0000)
          --nanoff PATH            nanoff executable (default nanoff)
          --no-flash               register and write the unit folder only
        """;

    public required string Command { get; init; }

    public string Serial { get; init; } = string.Empty;

    public string FleetId { get; init; } = string.Empty;

    public string ModelId { get; init; } = string.Empty;

    public string DeviceId { get; init; } = string.Empty;

    public string Reason { get; init; } = string.Empty;

    public Uri Service { get; init; } = new("http://127.0.0.1:5080");

    public required string Token { get; init; }

    public required string MqttHost { get; init; }

    public uint MqttPort { get; init; }

    public string MqttCaPem { get; init; } = string.Empty;

    public uint HeartbeatSeconds { get; init; } = 3600;

    public uint OutboxBytes { get; init; } = 65536;

    public IReadOnlyList<string> SntpServers { get; init; } = ["pool.ntp.org"];

    public required string OutputFolder { get; init; }

    public bool Flash { get; init; } = true;

    public string SerialPort { get; init; } = string.Empty;

    public string Target { get; init; } = "ESP32_PSRAM_REV3";

    public string Image { get; init; } = string.Empty;

    public string Address { get; init; } = "0x1E0000";

    public string Nanoff { get; init; } = "nanoff";

    /// <summary>Parses the command line; every problem found is reported together, with the usage.</summary>
    public static FlasherOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        if (args.Count == 0 || args[0] is not ("provision" or "reprovision"))
        {
            throw new UsageException("the first argument must be provision or reprovision");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--no-flash")
            {
                flags.Add(name);
            }
            else if (name.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Count)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new UsageException($"unexpected argument '{name}'");
            }
        }

        var problems = new List<string>();
        string Value(string name, string fallback = "") => values.Remove(name, out var value) ? value : fallback;
        string Required(string name)
        {
            var value = Value(name);
            if (value.Length == 0)
            {
                problems.Add($"{name} is required");
            }

            return value;
        }

        uint Number(string name, uint fallback, uint min, uint max)
        {
            var text = Value(name);
            if (text.Length == 0)
            {
                return fallback;
            }

            if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            {
                problems.Add($"{name} must be a number from {min} to {max}");
            }

            return number;
        }

        var provision = args[0] == "provision";
        var caFile = Value("--mqtt-ca");
        var caPem = string.Empty;
        if (caFile.Length > 0)
        {
            caPem = File.Exists(caFile) ? File.ReadAllText(caFile) : string.Empty;
            if (!caPem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                problems.Add($"--mqtt-ca '{caFile}' is not a PEM certificate file");
            }
        }

        var service = Value("--service", "http://127.0.0.1:5080");
        if (!Uri.TryCreate(service, UriKind.Absolute, out var serviceUri) || serviceUri.Scheme is not ("http" or "https"))
        {
            problems.Add("--service must be an http:// or https:// address");
        }

        var token = Value("--token", environment("ST_TOKEN") ?? string.Empty);
        if (token.Length == 0)
        {
            problems.Add("--token (or ST_TOKEN) is required");
        }

        var noFlash = flags.Contains("--no-flash");
        var options = new FlasherOptions
        {
            Command = args[0],
            Serial = provision ? Required("--serial") : string.Empty,
            FleetId = provision ? Required("--fleet") : string.Empty,
            ModelId = provision ? Value("--model") : string.Empty,
            DeviceId = provision ? string.Empty : Required("--device-id"),
            Reason = provision ? string.Empty : Required("--reason"),
            Service = serviceUri ?? new Uri("http://127.0.0.1:5080"),
            Token = token,
            MqttHost = Required("--mqtt-host"),
            MqttPort = Number("--mqtt-port", caPem.Length > 0 ? 8883u : 1883u, 1, 65535),
            MqttCaPem = caPem,
            HeartbeatSeconds = Number("--heartbeat-seconds", 3600, 60, 86400),
            OutboxBytes = Number("--outbox-bytes", 65536, 16384, 1048576),
            SntpServers = Value("--sntp", "pool.ntp.org").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            OutputFolder = Required("--out"),
            Flash = !noFlash,
            SerialPort = noFlash ? string.Empty : Required("--port"),
            Target = Value("--target", "ESP32_PSRAM_REV3"),
            Image = noFlash ? string.Empty : Required("--image"),
            Address = Value("--address", "0x1E0000"),
            Nanoff = Value("--nanoff", "nanoff"),
        };
        if (options.Flash && options.Image.Length > 0 && !File.Exists(options.Image))
        {
            problems.Add($"--image '{options.Image}' does not exist");
        }

        if (!options.Address.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            || !uint.TryParse(options.Address.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _))
        {
            problems.Add("--address must be hexadecimal, e.g. 0x1E0000");
        }

        problems.AddRange(values.Keys.Select(unknown => $"unknown option {unknown}"));
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join("; ", problems));
        }

        return options;
    }
}

/// <summary>The command line cannot be used as given.</summary>
public sealed class UsageException(string message) : Exception(message);
