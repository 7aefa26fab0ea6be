using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;
using SmartTerminal.PolicyService.Telemetry;

namespace SmartTerminal.PolicyService.Ingestion;

/// <summary>What the quarantine did with an uplink.</summary>
public enum QuarantineOutcome
{
    /// <summary>Kept byte for byte.</summary>
    Kept,

    /// <summary>The same bytes were kept before.</summary>
    Duplicate,

    /// <summary>The device's quarantine is full: only counted (how many, how many bytes, the last reason).</summary>
    Counted,
}

/// <summary>
/// Uplinks the service cannot read or refuses, kept byte for byte in the state database so that bad input loses
/// nothing and can be investigated. When the bytes still carry their sequence number (field 1, which
/// the device writes first), the uplink counts as received and is acknowledged like a stored one, so
/// one bad message cannot hold a device's outbox back forever. Identical resends are kept once; per
/// device at most <see cref="TelemetryOptions.QuarantineEntriesPerDevice"/> entries and
/// <see cref="TelemetryOptions.QuarantineBytesPerDevice"/> bytes are kept, the rest is counted, so a
/// device sending garbage cannot fill the disk.
/// </summary>
public sealed class UplinkQuarantine(StateDatabase database, QuarantineStore store, IOptions<TelemetryOptions> options, TimeProvider time)
{
    private const int SequenceTag = (1 << 3) | (int)WireFormat.WireType.Varint;

    /// <summary>The sequence number at the start of an uplink that does not parse as a whole, or 0.</summary>
    public static ulong SalvageSequence(byte[] payload)
    {
        try
        {
            var input = new CodedInputStream(payload);
            return input.ReadTag() == SequenceTag ? input.ReadUInt64() : 0;
        }
        catch (InvalidProtocolBufferException)
        {
            return 0;
        }
    }

    /// <summary>Keeps the bytes with why they were refused, within the device's bounds.</summary>
    public async Task<QuarantineOutcome> KeepAsync(string deviceId, ulong sequence, string reason, byte[] payload)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var hash = Convert.ToHexStringLower(SHA256.HashData(payload));
        await using var session = await database.WriteAsync();
        // The bounds are checked and kept under the device's lock: two replicas cannot both add the last entry.
        await session.LockAsync("quarantine:" + deviceId);
        var use = await store.UseAsync(session, deviceId, hash);
        if (use.AlreadyKept)
        {
            return QuarantineOutcome.Duplicate;
        }

        var limits = options.Value;
        if (use.Entries + 1 > limits.QuarantineEntriesPerDevice || use.Bytes + payload.Length > limits.QuarantineBytesPerDevice)
        {
            await store.CountOverflowAsync(session, deviceId, payload.Length, reason.Length > 500 ? reason[..500] : reason, now);
            await session.CommitAsync();
            return QuarantineOutcome.Counted;
        }

        await store.KeepAsync(session, deviceId, hash, sequence, reason, now, payload);
        await session.CommitAsync();
        return QuarantineOutcome.Kept;
    }
}
