using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Security;

namespace SmartTerminal.PolicyService.Audit;

/// <summary>
/// Records refused attempts on other people's data (a guardian probing another child's device, a
/// manufacturer probing another fleet, a role that does not allow the call) in the audit log, without
/// turning it into a flood amplifier: the first refusal of an actor on a resource for a reason is
/// written at once; repeats in the same window are counted and written as one entry when it ends; past
/// <see cref="AuditOptions.DenialResourcesPerWindow"/> distinct resources an actor's further refusals
/// share one "(more resources)" entry. So a probe of a million ids costs a bounded number of rows.
/// </summary>
public sealed partial class AccessDenials(AuditLog audit, IOptions<AuditOptions> options, ILogger<AccessDenials> logger) : PeriodicWork
{
    public const string Action = "access.denied";
    public const string MoreResources = "(more resources)";

    // Beyond this many tracked keys (all actors), refusals are only counted in one global entry.
    private const int MaxTracked = 10_000;

    private readonly object _sync = new();
    private readonly Dictionary<(string Actor, string Resource, string Reason), Pending> _pending = [];
    private readonly Dictionary<string, int> _resourcesPerActor = new(StringComparer.Ordinal);

    /// <summary>Notes a refused call: the caller, what it tried to reach (e.g. "fleet:fl-1") and why.</summary>
    public Task RecordAsync(Caller caller, string resource, string reason) => RecordAsync(caller.AuditName, caller.Method, resource, reason);

    public async Task RecordAsync(string actor, string method, string resource, string reason)
    {
        lock (_sync)
        {
            (string Actor, string Resource, string Reason) key = (actor, resource, reason);
            if (!_pending.ContainsKey(key))
            {
                var distinct = _resourcesPerActor.GetValueOrDefault(actor);
                if (_pending.Count >= MaxTracked)
                {
                    key = ("*", MoreResources, "over-limit");
                }
                else if (distinct >= options.Value.DenialResourcesPerWindow)
                {
                    key = (actor, MoreResources, reason);
                }
                else
                {
                    _resourcesPerActor[actor] = distinct + 1;
                }
            }

            if (_pending.TryGetValue(key, out var pending))
            {
                pending.Repeats++;
                pending.Method = method;
                return;
            }

            _pending[key] = new Pending { Method = method };
            resource = key.Resource;
            actor = key.Actor;
            reason = key.Reason;
        }

        await WriteAsync(actor, resource, new { method, reason, count = 1 });
    }

    /// <summary>Writes the counted repeats and starts a new window.</summary>
    public async Task FlushAsync()
    {
        List<((string Actor, string Resource, string Reason) Key, Pending Pending)> repeated;
        lock (_sync)
        {
            repeated = _pending.Where(p => p.Value.Repeats > 0).Select(p => (p.Key, p.Value)).ToList();
            _pending.Clear();
            _resourcesPerActor.Clear();
        }

        foreach (var ((actor, resource, reason), pending) in repeated)
        {
            await WriteAsync(actor, resource, new { method = pending.Method, reason, count = pending.Repeats, repeated = true });
        }
    }

    protected override TimeSpan Interval => TimeSpan.FromSeconds(options.Value.DenialWindowSeconds);

    protected override Task RunOnceAsync() => FlushAsync();

    private async Task WriteAsync(string actor, string resource, object details)
    {
        try
        {
            await audit.AppendAsync(actor, Action, resource, AuditJson.Of(details));
        }
        catch (Exception e)
        {
            // The call is refused either way; a failing state database must not turn that into an error.
            LogWriteFailed(e, actor, resource);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not audit a refused attempt of {Actor} on {Resource}")]
    private partial void LogWriteFailed(Exception exception, string actor, string resource);

    private sealed class Pending
    {
        public int Repeats { get; set; }

        public string Method { get; set; } = string.Empty;
    }
}
