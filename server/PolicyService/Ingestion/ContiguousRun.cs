using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// How far one device's watermark moves over stored sequences above it, and the newest usage-complete
/// claim among those it now covers: the same rule whether the sequences wait in memory (embedded broker)
/// or in the state database (<see cref="SharedUplinkLedger"/>).
/// </summary>
public static class ContiguousRun
{
    public static (ulong Through, long UsageCompleteThrough) Advance(ulong watermark, IEnumerable<StoredSequence> storedAbove)
    {
        var claims = new Dictionary<ulong, long>();
        foreach (var stored in storedAbove)
        {
            // A resent heartbeat carries the same claim; keep the larger one anyway.
            claims[stored.Sequence] = Math.Max(claims.GetValueOrDefault(stored.Sequence), stored.UsageCompleteThrough);
        }

        var through = watermark;
        var complete = 0L;
        while (claims.TryGetValue(through + 1, out var claim))
        {
            through++;
            complete = Math.Max(complete, claim);
        }

        return (through, complete);
    }
}
