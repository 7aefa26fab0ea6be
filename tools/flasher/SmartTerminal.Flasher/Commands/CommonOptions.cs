using System.CommandLine;
using SmartTerminal.Flasher.Line;

namespace SmartTerminal.Flasher.Commands;

/// <summary>The options every unit-making verb shares, and the settings they make.</summary>
public sealed class CommonOptions
{
    public Option<Uri> Service { get; } = new("--service")
    {
        Description = "PolicyService gRPC address (https://... in production)",
        DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"),
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return uri;
            }

            r.AddError($"--service '{text}' should be an http:// or https:// address, e.g. https://policy.example.com");
            return null;
        },
    };

    public Option<string> Token { get; } = new("--token") { Description = "manufacturer bearer token (or the ST_TOKEN environment variable)" };

    public Option<string> MqttHost { get; } = new("--mqtt-host") { Description = "broker host the unit connects to", Required = true };

    public Option<uint?> MqttPort { get; } = new("--mqtt-port") { Description = "broker port (1883, or 8883 with --mqtt-ca)" };

    public Option<FileInfo?> MqttCa { get; } = new("--mqtt-ca") { Description = "PEM of the broker's CA: the unit connects with TLS" };

    public Option<uint> HeartbeatSeconds { get; } = new("--heartbeat-seconds") { Description = "heartbeat interval, 60-86400", DefaultValueFactory = _ => 3600 };

    public Option<uint> OutboxBytes { get; } = new("--outbox-bytes") { Description = "telemetry outbox on flash, 16384-1048576", DefaultValueFactory = _ => 65536 };

    public Option<string> Sntp { get; } = new("--sntp") { Description = "time servers, comma-separated", DefaultValueFactory = _ => "pool.ntp.org" };

    public Option<string> Port { get; } = new("--port") { Description = "serial port of the unit, e.g. /dev/ttyUSB0 (COM3 on Windows)", DefaultValueFactory = _ => "/dev/ttyUSB0" };

    public Option<string> Image { get; } = new("--image") { Description = "application image (SmartTerminal.Firmware.bin)", DefaultValueFactory = _ => "SmartTerminal.Firmware.bin" };

    public Option<string> FirmwareVersion { get; } = new("--firmware-version") { Description = "nanoFramework firmware version, for the manifest" };

    public Option<string> AppVersion { get; } = new("--app-version") { Description = "application version, for the manifest" };

    public Option<int> FlashMb { get; } = new("--flash-mb") { Description = "flash size of the board in MB (picks the deploy partition)", DefaultValueFactory = _ => 4 };

    public Option<string> Nanoff { get; } = new("--nanoff") { Description = "nanoff executable", DefaultValueFactory = _ => "nanoff" };

    public Option<bool> NoFlash { get; } = new("--no-flash") { Description = "register and write the unit folder only" };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "print the nanoff command lines; register nothing, touch no device" };

    public Option<string> Station { get; } = new("--station") { Description = "operator station, for the manifest", DefaultValueFactory = _ => Environment.MachineName };

    public Option<string> Label { get; } = new("--label") { Description = "label size in mm, WIDTHxHEIGHT", DefaultValueFactory = _ => "50x30" };

    public Option<string?> Language { get; } = new("--lang") { Description = "messages in zh-CN or en (default: the system's language)" };

    public CommonOptions()
    {
        HeartbeatSeconds.Validators.Add(r => Range(r.GetValueOrDefault<uint>(), 60, 86400, r, "--heartbeat-seconds"));
        OutboxBytes.Validators.Add(r => Range(r.GetValueOrDefault<uint>(), 16384, 1_048_576, r, "--outbox-bytes"));
        Label.Validators.Add(r =>
        {
            try
            {
                LabelSize.Parse(r.GetValueOrDefault<string>() ?? string.Empty);
            }
            catch (ArgumentException e)
            {
                r.AddError(e.Message);
            }
        });
    }

    /// <summary>Adds the shared options to a verb (the same option objects: validators run once per parse).</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Service, Token, MqttHost, MqttPort, MqttCa, HeartbeatSeconds, OutboxBytes, Sntp, Port, Image, FirmwareVersion, AppVersion, FlashMb, Nanoff, NoFlash, DryRun, Station, Label, Language })
        {
            command.Options.Add(option);
        }
    }

    public LineSettings Settings(ParseResult result)
    {
        var token = result.GetValue(Token) ?? Environment.GetEnvironmentVariable("ST_TOKEN") ?? string.Empty;
        var ca = result.GetValue(MqttCa);
        var dryRun = result.GetValue(DryRun);
        if (token.Length == 0 && !dryRun)
        {
            throw new ArgumentException("--token (or ST_TOKEN) is required: a manufacturer token of the fleet's owner");
        }

        if (ca is not null && !ca.Exists)
        {
            throw new ArgumentException($"--mqtt-ca {ca.FullName} does not exist");
        }

        return new LineSettings
        {
            Service = result.GetValue(Service)!,
            Token = token,
            MqttHost = result.GetValue(MqttHost)!,
            MqttPort = result.GetValue(MqttPort) ?? (ca is null ? 1883u : 8883u),
            MqttCaPem = ca is null ? string.Empty : File.ReadAllText(ca.FullName),
            HeartbeatSeconds = result.GetValue(HeartbeatSeconds),
            OutboxBytes = result.GetValue(OutboxBytes),
            SntpServers = result.GetValue(Sntp)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Image = result.GetValue(Image)!,
            FirmwareVersion = result.GetValue(FirmwareVersion) ?? string.Empty,
            AppVersion = result.GetValue(AppVersion) ?? string.Empty,
            FlashMb = result.GetValue(FlashMb),
            Nanoff = result.GetValue(Nanoff)!,
            Flash = !result.GetValue(NoFlash),
            DryRun = dryRun,
            Station = result.GetValue(Station)!,
            Label = LabelSize.Parse(result.GetValue(Label)!),
            Text = new Text(result.GetValue(Language)),
        };
    }

    private static void Range(uint value, uint min, uint max, System.CommandLine.Parsing.OptionResult result, string name)
    {
        if (value < min || value > max)
        {
            result.AddError($"{name} must be {min}-{max}, not {value}");
        }
    }
}
