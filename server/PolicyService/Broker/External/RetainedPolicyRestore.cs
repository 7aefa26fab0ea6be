using System.Diagnostics;
using MQTTnet;
using SmartTerminal.PolicyService.Storage;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>
/// Retained policies on an external broker are a cache of the state database. A broker that crashed
/// (Mosquitto after kill -9) comes back without them, and a device connecting then would find no
/// policy. So the service keeps a retained marker next to them: when it connects and the marker is
/// not delivered, the broker lost its retained messages, and every device's current envelope is
/// published again, then the marker. A device that still lags says so in its next heartbeat and gets
/// its policy again (<see cref="Policies.PolicyDistributor.ResendToLaggingAsync"/>).
/// </summary>
public sealed partial class RetainedPolicyRestore : IHostedService
{
    public const string MarkerTopic = "smartterminal/v1/retained-marker";

    private static readonly TimeSpan MarkerWait = TimeSpan.FromSeconds(3);

    private readonly ExternalBrokerConnection _connection;
    private readonly StoredEnvelopes _envelopes;
    private readonly ILogger<RetainedPolicyRestore> _logger;
    private TaskCompletionSource _marker = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RetainedPolicyRestore(ExternalBrokerConnection connection, StoredEnvelopes envelopes, ILogger<RetainedPolicyRestore> logger)
    {
        (_connection, _envelopes, _logger) = (connection, envelopes, logger);
        // Before the first connection, so the marker's subscription is part of it.
        _connection.Subscribe(MarkerTopic, _ =>
        {
            _marker.TrySetResult();
            return Task.CompletedTask;
        });
        _connection.Connected += CheckAsync;
    }

    /// <summary>True once the retained policies were found or restored on the current connection.</summary>
    public bool Checked { get; private set; }

    // A hosted service only so that it exists (subscribed, listening) before the first connection.
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Restores when the marker did not come with this connection's subscriptions; true when it restored.</summary>
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        Checked = false;
        var marker = _marker;
        try
        {
            await marker.Task.WaitAsync(MarkerWait, cancellationToken);
            // Delivered: the retained messages are there. Wait for it again after the next reconnect.
            Interlocked.CompareExchange(ref _marker, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), marker);
            Checked = true;
            return false;
        }
        catch (TimeoutException)
        {
        }

        var watch = Stopwatch.StartNew();
        var envelopes = await _envelopes.AllAsync();
        foreach (var (deviceId, envelope) in envelopes)
        {
            await _connection.PublishPolicyAsync(deviceId, envelope, cancellationToken);
        }

        await _connection.PublishAsync(MarkerTopic, System.Text.Encoding.UTF8.GetBytes(DateTimeOffset.UtcNow.ToString("O")), retain: true, cancellationToken);
        LogRestored(envelopes.Count, watch.Elapsed.TotalSeconds);
        Checked = true;
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The MQTT broker had no retained policies (a new broker, or one that lost them): restored {Count} from the state database in {Seconds:F1} s")]
    private partial void LogRestored(int count, double seconds);
}
