namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>
/// One stored uplink as the watermark bookkeeping sees it: its device, its sequence and, for a heartbeat,
/// the time before which it says the child's usage is all sent (Unix seconds, 0 = none). The claim holds
/// only once every earlier uplink is stored, so it travels with the sequence while that waits above a gap.
/// </summary>
public readonly record struct StoredSequence(string DeviceId, ulong Sequence, long UsageCompleteThrough = 0);
