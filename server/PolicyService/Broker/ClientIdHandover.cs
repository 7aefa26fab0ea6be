using System.Collections;
using System.Collections.Concurrent;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// One connection per client id at a time, handed over in order. When MQTTnet tears a connection down
/// it removes the client and deletes the session registered under its id, whoever holds that id by then:
/// a connection that ends while the same device's next one is being set up (a watch reconnecting as its
/// old connection closes, a tool handing over to the device) takes the new session with it, and what the
/// device subscribed to is silently lost. So a new connection, once authenticated, waits until the
/// previous one of its id is torn down: briefly for one that is closing anyway, and otherwise (a half-open
/// connection the device left behind) it ends that one first, so MQTTnet never has to take over a session.
/// </summary>
public sealed partial class ClientIdHandover(ILogger<ClientIdHandover> logger)
{
    /// <summary>The session item that names a connection's turn (reference identity: one per connection).</summary>
    internal const string TurnKey = "st.turn";

    private readonly ConcurrentDictionary<string, Turn> _current = new(StringComparer.Ordinal);

    /// <summary>How long a previous connection may take to close on its own before it is ended.</summary>
    public TimeSpan ClosingGrace { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a new connection waits at most for the previous one's teardown.</summary>
    public TimeSpan TeardownLimit { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Client ids with a connection that has not been torn down (bounded by the live connections).</summary>
    public int Tracked => _current.Count;

    /// <summary>
    /// Makes the new connection of <paramref name="clientId"/> the current one and returns its turn (to keep in
    /// its session items) once the previous connection is torn down; <paramref name="endPrevious"/> ends one
    /// that does not close by itself.
    /// </summary>
    public async Task<object> TakeTurnAsync(string clientId, Func<Task> endPrevious, CancellationToken cancellationToken)
    {
        var turn = new Turn();
        var previous = Swap(clientId, turn);
        if (previous is null || await previous.EndedWithinAsync(ClosingGrace, cancellationToken))
        {
            return turn;
        }

        try
        {
            await endPrevious();
        }
        catch (InvalidOperationException)
        {
            // Not registered any more: its teardown is under way.
        }

        if (!await previous.EndedWithinAsync(TeardownLimit, cancellationToken))
        {
            LogTeardownSlow(clientId, TeardownLimit.TotalSeconds);
        }

        return turn;
    }

    /// <summary>Called once a connection is torn down (its session deleted), with its session items.</summary>
    public void Ended(string clientId, IDictionary sessionItems)
    {
        if (sessionItems[TurnKey] is Turn turn)
        {
            turn.End();
            _current.TryRemove(new KeyValuePair<string, Turn>(clientId, turn));
        }
    }

    private Turn? Swap(string clientId, Turn turn)
    {
        while (true)
        {
            if (_current.TryGetValue(clientId, out var previous))
            {
                if (_current.TryUpdate(clientId, turn, previous))
                {
                    return previous;
                }
            }
            else if (_current.TryAdd(clientId, turn))
            {
                return null;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The previous connection of {ClientId} was not torn down within {Seconds} s; the new one goes ahead")]
    private partial void LogTeardownSlow(string clientId, double seconds);

    private sealed class Turn
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void End() => _ended.TrySetResult();

        public async Task<bool> EndedWithinAsync(TimeSpan limit, CancellationToken cancellationToken)
        {
            try
            {
                await _ended.Task.WaitAsync(limit, cancellationToken);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }
}
