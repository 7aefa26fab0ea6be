using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>
/// Every device's watermark after a batch, those that moved, and the usage-complete claims the moved
/// watermarks now cover (Unix seconds per device).
/// </summary>
public sealed record LedgerUpdate(Dictionary<string, ulong> Current, Dictionary<string, ulong> Advanced, Dictionary<string, long> UsageCompleteThrough);

/// <summary>
/// Watermarks and stored-ahead sequences kept in the state database for every replica at once (with an
/// external broker, consecutive uplinks of one device go to different replicas). Inside the caller's
/// transaction: the devices' watermark rows are locked, so replicas committing one device take turns;
/// each watermark moves over what is now contiguous, whichever replica stored it; what stays above a
/// gap is recorded with its heartbeat's claim, and what the watermark now covers is forgotten.
/// </summary>
public sealed class SharedUplinkLedger(WatermarkStore watermarks, StoredAheadStore storedAhead)
{
    public async Task<LedgerUpdate> RecordStoredAsync(StateSession session, IReadOnlyCollection<StoredSequence> stored)
    {
        var devices = stored.Select(s => s.DeviceId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var current = await watermarks.LockAsync(session, devices);
        var waiting = await storedAhead.OfAsync(session, devices);
        var fresh = stored.Where(s => s.Sequence > current[s.DeviceId]).ToLookup(s => s.DeviceId, StringComparer.Ordinal);
        var advanced = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var complete = new Dictionary<string, long>(StringComparer.Ordinal);
        var stillAhead = new List<StoredSequence>();
        foreach (var deviceId in devices)
        {
            var (through, claim) = ContiguousRun.Advance(current[deviceId], waiting[deviceId].Concat(fresh[deviceId]));
            if (through > current[deviceId])
            {
                advanced[deviceId] = through;
                current[deviceId] = through;
            }

            if (claim > 0)
            {
                complete[deviceId] = claim;
            }

            // Only what stays above a gap is written; in the usual, contiguous case nothing is.
            stillAhead.AddRange(fresh[deviceId].Where(s => s.Sequence > through).DistinctBy(s => s.Sequence));
        }

        await watermarks.AdvanceAsync(session, advanced);
        await storedAhead.DeleteThroughAsync(session, advanced.Where(a => waiting[a.Key].Any()).ToDictionary(StringComparer.Ordinal));
        await storedAhead.AddAsync(session, stillAhead);
        return new LedgerUpdate(current, advanced, complete);
    }
}
