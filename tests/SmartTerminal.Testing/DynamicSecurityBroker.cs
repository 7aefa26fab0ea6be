using System.Net.Sockets;
using System.Text.Json;

namespace SmartTerminal.Testing;

/// <summary>
/// A real Mosquitto 2 with its dynamic-security plugin, as an external broker for the service
/// (Broker:Mode=External): initialised with the service account as the plugin's administrator, the
/// way docs/SCALING.md sets one up; retained messages persisted in its folder.
/// </summary>
public sealed class DynamicSecurityBroker : IAsyncDisposable
{
    public const string PluginPath = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";

    private readonly string _directory;
    private ChildProcess _process;

    private DynamicSecurityBroker(ChildProcess process, string directory, int port, string serviceUser, string servicePassword, string? caCertificatePath)
    {
        CaCertificatePath = caCertificatePath;
        _process = process;
        _directory = directory;
        Port = port;
        ServiceUser = serviceUser;
        ServicePassword = servicePassword;
    }

    public int Port { get; }

    public string ServiceUser { get; }

    public string ServicePassword { get; }

    /// <summary>With TLS, the PEM of the authority that signed the broker's certificate (null: plain MQTT).</summary>
    public string? CaCertificatePath { get; }

    public Uri Url => CaCertificatePath is null ? new($"mqtt://127.0.0.1:{Port}") : new($"mqtts://localhost:{Port}");

    public string Output => _process.Output;

    /// <summary>The plugin's state as it saved it (clients, roles, default access).</summary>
    public JsonElement SavedState => JsonDocument.Parse(File.ReadAllText(Path.Combine(_directory, "dynamic-security.json"))).RootElement;

    /// <summary>The settings that point the service at this broker.</summary>
    public Dictionary<string, string> ServiceSettings(string? clientId = null) => new()
    {
        ["Broker:Mode"] = "External",
        ["Broker:ServiceUserName"] = ServiceUser,
        ["Broker:ServicePassword"] = ServicePassword,
        ["Broker:External:Url"] = Url.ToString(),
        ["Broker:External:Provisioning"] = "MosquittoDynamicSecurity",
        ["Broker:External:ClientId"] = clientId ?? "policy-service-" + Guid.NewGuid().ToString("N")[..8],
        ["Broker:External:CaCertificatePath"] = CaCertificatePath ?? string.Empty,
    };

    /// <summary>Starts the broker; with an authority, its only listener is TLS with a certificate the authority issued.</summary>
    public static async Task<DynamicSecurityBroker> StartAsync(string serviceUser = "policy-service", TestCertificateAuthority? tls = null)
    {
        var directory = Directory.CreateTempSubdirectory("st-dynsec-").FullName;
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var stateFile = Path.Combine(directory, "dynamic-security.json");
        await using (var init = ChildProcess.Start("mosquitto_ctrl", ["dynsec", "init", stateFile, serviceUser, password], directory))
        {
            if (await init.WaitForExitAsync(TimeSpan.FromSeconds(10)) != 0)
            {
                throw new InvalidOperationException("mosquitto_ctrl dynsec init failed: " + init.Output);
            }
        }

        var port = FreePort.Next();
        string? caPath = null;
        var tlsSettings = string.Empty;
        if (tls is not null)
        {
            caPath = tls.WriteCertificate(directory);
            var (certificate, key) = tls.IssueServer(directory);
            tlsSettings = $"certfile {certificate}\nkeyfile {key}\n";
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "mosquitto.conf"), $"""
            listener {port} 127.0.0.1
            {tlsSettings}allow_anonymous false
            plugin {PluginPath}
            plugin_opt_config_file {stateFile}
            persistence true
            persistence_location {directory}/
            max_queued_messages 100000
            log_dest stdout
            user root

            """);
        var broker = new DynamicSecurityBroker(Launch(directory), directory, port, serviceUser, password, caPath);
        await broker.WaitListeningAsync();
        return broker;
    }

    /// <summary>Sends dynamic-security commands as the administrator; the plugin's responses.</summary>
    public async Task<JsonElement> CommandAsync(object commands)
    {
        var json = JsonSerializer.Serialize(new { commands });
        string[] connection = CaCertificatePath is null ? ["-h", "127.0.0.1"] : ["-h", "localhost", "--cafile", CaCertificatePath];
        await using var rr = ChildProcess.Start("mosquitto_rr", [.. connection, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", ServiceUser, "-P", ServicePassword,
            "-t", "$CONTROL/dynamic-security/v1", "-e", "$CONTROL/dynamic-security/v1/response", "-W", "10", "-m", json], _directory);
        if (await rr.WaitForExitAsync(TimeSpan.FromSeconds(15)) != 0)
        {
            throw new InvalidOperationException("mosquitto_rr failed: " + rr.Output);
        }

        return JsonDocument.Parse(rr.Output.Trim()).RootElement.GetProperty("responses");
    }

    /// <summary>The user names of the plugin's clients.</summary>
    public async Task<IReadOnlyList<string>> ClientNamesAsync()
    {
        var response = (await CommandAsync(new[] { new { command = "listClients", count = 100000, offset = 0, verbose = false } }))[0];
        return [.. response.GetProperty("data").GetProperty("clients").EnumerateArray().Select(c => c.GetString()!)];
    }

    /// <summary>Ends the broker with SIGKILL (or SIGTERM) and starts it again on the same port and files.</summary>
    public async Task RestartAsync(bool kill)
    {
        if (kill)
        {
            System.Diagnostics.Process.GetProcessById(_process.Id).Kill();
        }
        else
        {
            await using var term = ChildProcess.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], _directory);
            await term.WaitForExitAsync(TimeSpan.FromSeconds(5));
        }

        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await _process.DisposeAsync();
        _process = Launch(_directory);
        await WaitListeningAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static ChildProcess Launch(string directory) => ChildProcess.Start("mosquitto", ["-c", Path.Combine(directory, "mosquitto.conf")], directory);

    private async Task WaitListeningAsync()
    {
        var listening = await Eventually.TrueWithin(TimeSpan.FromSeconds(15), async () =>
        {
            if (_process.HasExited)
            {
                return true;
            }

            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            return true;
        });
        if (!listening || _process.HasExited)
        {
            throw new InvalidOperationException("Mosquitto (dynamic security) did not start:\n" + _process.Output);
        }
    }
}
