using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace SmartTerminal.PolicyService.Broker.Transport;

/// <summary>One listening endpoint of the embedded broker: exactly this address, optionally TLS.</summary>
public sealed record BrokerEndpoint(IPAddress Address, int Port, X509Certificate2? Certificate);

/// <summary>
/// The embedded broker's TCP listener, in place of MQTTnet's own: it binds exactly the configured
/// addresses (MQTTnet's default endpoint also listens on [::] whatever IPv4 address it is given) and
/// reads every connection through a <see cref="PacketSizeGuard"/>, which MQTTnet's server lacks.
/// </summary>
public sealed partial class GuardedTcpServerAdapter(IReadOnlyList<BrokerEndpoint> endpoints, int maxPacketBytes, ILogger logger) : IMqttServerAdapter
{
    private readonly List<Socket> _listeners = [];
    private CancellationTokenSource? _stopping;
    private IMqttNetLogger? _mqttLogger;
    private MqttServerOptions? _options;
    private long _refusedPackets;
    private long _lastWarningMs = -10_000;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>Connections closed because they announced an oversized packet.</summary>
    public long RefusedPackets => Interlocked.Read(ref _refusedPackets);

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options;
        _mqttLogger = logger;
        _stopping = new CancellationTokenSource();
        foreach (var endpoint in endpoints)
        {
            var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.Bind(new IPEndPoint(endpoint.Address, endpoint.Port));
            socket.Listen(1000);
            _listeners.Add(socket);
            _ = Task.Run(() => AcceptAsync(socket, endpoint, _stopping.Token));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        _stopping?.Cancel();
        foreach (var socket in _listeners)
        {
            socket.Dispose();
        }

        _listeners.Clear();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        StopAsync();
        _stopping?.Dispose();
    }

    private async Task AcceptAsync(Socket listener, BrokerEndpoint endpoint, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e, endpoint.Port);
                continue;
            }

            _ = Task.Run(() => HandleAsync(client, endpoint), CancellationToken.None);
        }
    }

    private async Task HandleAsync(Socket client, BrokerEndpoint endpoint)
    {
        Stream? stream = null;
        PacketSizeGuard? guard = null;
        var remote = client.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            client.NoDelay = true;
            stream = new NetworkStream(client, ownsSocket: true);
            if (endpoint.Certificate is { } certificate)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                using var handshake = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                }, handshake.Token).ConfigureAwait(false);
                stream = tls;
            }

            guard = new PacketSizeGuard(maxPacketBytes);
            var channel = new MqttTcpChannel(new PacketSizeLimitStream(stream, guard), client.LocalEndPoint, client.RemoteEndPoint, null);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_options!.WriterBufferSize, _options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger);
            if (ClientHandler is { } handler)
            {
                // MQTTnet ends the session when the guard throws inside a read, and handles the error itself.
                await handler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or failed the TLS handshake: nothing to do.
        }
        finally
        {
            if (guard is { Tripped: true })
            {
                NoteRefused(remote);
            }

            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                client.Dispose();
            }
        }
    }

    // One warning per 10 s at most, with the running count: a device flooding big packets must not flood the log.
    private void NoteRefused(string remote)
    {
        var count = Interlocked.Increment(ref _refusedPackets);
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastWarningMs);
        if (now - last >= 10_000 && Interlocked.CompareExchange(ref _lastWarningMs, now, last) == last)
        {
            LogPacketTooLarge(remote, maxPacketBytes, count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection from {Remote} closed: it announced a packet over {Limit} bytes ({Count} such connections since start)")]
    private partial void LogPacketTooLarge(string remote, int limit, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accepting an MQTT connection on port {Port} failed")]
    private partial void LogAcceptFailed(Exception exception, int port);
}
