using System.Net;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Limits failed MQTT logins per client id and per remote address: past the limit within the window,
/// further attempts are refused without checking the password (cheap, and no oracle for guessing).
/// A successful login clears its client id. Memory is bounded: when too many keys are tracked, the
/// expired ones go, and if that is not enough the oldest window is dropped as a whole.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int FailuresPerClient = 5;
    public const int FailuresPerAddress = 50;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTracked = 100_000;

    private readonly object _sync = new();
    private readonly Dictionary<string, (int Count, long WindowStart)> _failures = new(StringComparer.Ordinal);

    public bool IsBlocked(string clientId, EndPoint? remote)
    {
        lock (_sync)
        {
            var now = time.GetTimestamp();
            return Count("c:" + clientId, now) >= FailuresPerClient || (AddressKey(remote) is { } address && Count(address, now) >= FailuresPerAddress);
        }
    }

    public void Failed(string clientId, EndPoint? remote)
    {
        lock (_sync)
        {
            var now = time.GetTimestamp();
            if (_failures.Count >= MaxTracked)
            {
                Prune(now);
            }

            Add("c:" + clientId, now);
            if (AddressKey(remote) is { } address)
            {
                Add(address, now);
            }
        }
    }

    public void Succeeded(string clientId)
    {
        lock (_sync)
        {
            _failures.Remove("c:" + clientId);
        }
    }

    private static string? AddressKey(EndPoint? remote) => remote is IPEndPoint ip ? "a:" + ip.Address : null;

    private int Count(string key, long now) =>
        _failures.TryGetValue(key, out var entry) && time.GetElapsedTime(entry.WindowStart, now) < Window ? entry.Count : 0;

    private void Add(string key, long now)
    {
        var count = Count(key, now);
        _failures[key] = (count + 1, count == 0 ? now : _failures[key].WindowStart);
    }

    private void Prune(long now)
    {
        foreach (var key in _failures.Where(f => time.GetElapsedTime(f.Value.WindowStart, now) >= Window).Select(f => f.Key).ToList())
        {
            _failures.Remove(key);
        }

        if (_failures.Count >= MaxTracked)
        {
            _failures.Clear();
        }
    }
}
