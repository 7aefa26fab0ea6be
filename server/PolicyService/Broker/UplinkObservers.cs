using System.Collections.Concurrent;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// The sessions subscribed to filters that can match device uplinks (only the service account may:
/// diagnostics, a mirror). Ingestion takes uplinks from the publish hook, so while nobody observes
/// them the broker need not route them: MQTTnet checks every session's subscriptions for each
/// message it routes, which with thousands of connected devices cost more than the rest of ingestion.
/// </summary>
public sealed class UplinkObservers
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _filters = new(StringComparer.Ordinal);

    public bool Any => !_filters.IsEmpty;

    public void Subscribed(string clientId, string filter)
    {
        if (MatchesUplinks(filter))
        {
            _filters.GetOrAdd(clientId, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal))[filter] = 0;
        }
    }

    public void Unsubscribed(string clientId, string filter)
    {
        if (_filters.TryGetValue(clientId, out var filters) && filters.TryRemove(filter, out _) && filters.IsEmpty)
        {
            _filters.TryRemove(clientId, out _);
        }
    }

    public void Disconnected(string clientId) => _filters.TryRemove(clientId, out _);

    // Uplinks are st/v1/{device}/up: a filter whose last level is "up", "+" or "#" may match one.
    private static bool MatchesUplinks(string filter) =>
        filter.EndsWith("/up", StringComparison.Ordinal) || filter.EndsWith('+') || filter.EndsWith('#') || filter is "+" or "#";
}
