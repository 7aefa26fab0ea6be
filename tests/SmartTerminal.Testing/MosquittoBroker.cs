using System.Net.Sockets;

namespace SmartTerminal.Testing;

/// <summary>
/// A real Mosquitto 2 broker (the independent MQTT peer) on a free loopback port, with its own
/// password file and ACL in a temporary folder. Install it with apt-get install mosquitto
/// (scripts/test.sh does).
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;

    private MosquittoBroker(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string Output => _process.Output;

    /// <summary>Starts Mosquitto with the given users and ACL (mosquitto acl_file syntax).</summary>
    public static async Task<MosquittoBroker> StartAsync(IReadOnlyDictionary<string, string> users, string acl, int? port = null)
    {
        var directory = Directory.CreateTempSubdirectory("st-mosquitto-").FullName;
        var passwordFile = Path.Combine(directory, "passwd");
        await File.WriteAllTextAsync(passwordFile, string.Empty);
        foreach (var (user, password) in users)
        {
            await using var passwd = ChildProcess.Start("mosquitto_passwd", ["-b", passwordFile, user, password], directory);
            if (await passwd.WaitForExitAsync(TimeSpan.FromSeconds(10)) != 0)
            {
                throw new InvalidOperationException("mosquitto_passwd failed: " + passwd.Output);
            }
        }

        var aclFile = Path.Combine(directory, "acl");
        await File.WriteAllTextAsync(aclFile, acl);
        var listenPort = port ?? FreePort.Next();
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"""
            listener {listenPort} 127.0.0.1
            allow_anonymous false
            password_file {passwordFile}
            acl_file {aclFile}
            persistence false
            log_dest stdout
            user root

            """);

        var process = ChildProcess.Start("mosquitto", ["-c", config], directory);
        var broker = new MosquittoBroker(process, directory, listenPort);
        var listening = await Eventually.TrueWithin(TimeSpan.FromSeconds(15), async () =>
        {
            if (process.HasExited)
            {
                return true;
            }

            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", listenPort);
            return true;
        });
        if (!listening || process.HasExited)
        {
            var output = process.Output;
            await broker.DisposeAsync();
            throw new InvalidOperationException("Mosquitto did not start:\n" + output);
        }

        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
