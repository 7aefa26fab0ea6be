using System.Net;
using Microsoft.Extensions.Options;

namespace SmartTerminal.PolicyService.Broker;

/// <summary>
/// Limits failed MQTT logins per client id from one address, and per address: past the limit within
/// the window, further attempts are refused without checking the password (cheap, and no oracle for
/// guessing). The client id is counted per address so that an attacker who knows a device's id (ids
/// derive from serial numbers) cannot lock the real device out from elsewhere. A successful login
/// clears its client id. Memory is bounded: when too many keys are tracked, the expired ones go, and
/// if that is not enough all are dropped (the limits then start over).
/// </summary>
public sealed class LoginThrottle(TimeProvider time, IOptions<BrokerOptions> options)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTracked = 100_000;

    private readonly object _sync = new();
    private readonly Dictionary<string, (int Count, long WindowStart)> _failures = new(StringComparer.Ordinal);

    public bool IsBlocked(string clientId, EndPoint? remote)
    {
        lock (_sync)
        {
            var now = time.GetTimestamp();
            var perAddress = options.Value.FailedLoginsPerAddress;
            return Count(ClientKey(clientId, remote), now) >= options.Value.FailedLoginsPerClient
                || (perAddress > 0 && AddressKey(remote) is { } address && Count(address, now) >= perAddress);
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

            Add(ClientKey(clientId, remote), now);
            if (AddressKey(remote) is { } address)
            {
                Add(address, now);
            }
        }
    }

    public void Succeeded(string clientId, EndPoint? remote)
    {
        lock (_sync)
        {
            _failures.Remove(ClientKey(clientId, remote));
        }
    }

    private static string ClientKey(string clientId, EndPoint? remote) => $"c:{(remote as IPEndPoint)?.Address}:{clientId}";

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
