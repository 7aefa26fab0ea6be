using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Hashing;
using SmartTerminal.Device.Core.Platform;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Benchmarks;

/// <summary>A policy engine loaded with the large policy, on fixed clocks, as the benchmarks use it.</summary>
internal sealed class EngineFixture
{
    public const string DeviceId = "st-bench";
    public static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    public EngineFixture()
    {
        Policy = LargePolicy.Create();
        Policy.AllowedWindows.Clear();
        Policy.AllowedWindows.Add(new Wire.TimeWindow { WeekdayMask = 0x7F, StartMinute = 0, EndMinute = 1440 });
        Policy.UtcOffsets.Add(new Wire.UtcOffsetTransition { FromUnix = 0, OffsetMinutes = 480 });
        Domains = Enumerable.Range(0, 5000).Select(i => $"site{i}.example{i % 7}.com").ToArray();
        Policy.BlockedDomainHashes.Clear();
        Policy.BlockedDomainHashes.AddRange(Domains.Select(Fnv1a.HashDomain).Order());
        Numbers = Enumerable.Range(0, 200).Select(i => $"86138{i:D8}").ToArray();
        Policy.Contacts.Contacts.Clear();
        Policy.Contacts.Contacts.AddRange(Numbers.Select(n => new Wire.Contact { NumberHash = Fnv1a.HashPhoneNumber(n), Role = Wire.ContactRole.Approved, MediaAllowed = true }).OrderBy(c => c.NumberHash));
        Packages = Enumerable.Range(0, 500).Select(i => $"com.vendor{i % 13}.app{i}").ToArray();
        Policy.Apps.Clear();
        Policy.Apps.AddRange(Packages.Select(p => new Wire.AppRule { AppId = Fnv1a.Hash32(p), Category = Wire.AppCategory.Reading, AgeRating = 3 }).OrderBy(a => a.AppId));
        Policy.MaxAgeRating = 12;
        Envelope = Sign(Policy);
        Engine = new PolicyEngine(Clock, new NullStorage(), new DotNetHmac(), new NullEventSink(), new DeviceKeys(DeviceId, 1, Key, new byte[32]), Envelope);
        Engine.ApplyTimeSync(Clock.WallClockUnixMs);
    }

    public Wire.DevicePolicy Policy { get; }

    public string[] Domains { get; }

    public string[] Numbers { get; }

    public string[] Packages { get; }

    public byte[] Envelope { get; }

    public FixedClock Clock { get; } = new();

    public PolicyEngine Engine { get; }

    /// <summary>The same large policy signed under another version, as the next update would arrive.</summary>
    public byte[] EnvelopeWithVersion(ulong version)
    {
        var next = Policy.Clone();
        next.Version = version;
        return Sign(next);
    }

    public static byte[] Sign(Wire.DevicePolicy policy)
    {
        var envelope = new Wire.SignedPolicyEnvelope { DeviceId = DeviceId, Version = policy.Version, KeyId = 1, Policy = policy.ToByteString() };
        envelope.Mac = ByteString.CopyFrom(HMACSHA256.HashData(Key, envelope.ToByteArray()));
        return envelope.ToByteArray();
    }
}

internal sealed class FixedClock : IDeviceClock
{
    public long WallClockUnixMs { get; set; } = 1_764_500_000_000;

    public long MonotonicMs { get; set; } = 1_000;
}

internal sealed class NullStorage : IStorage
{
    public byte[] Read(string name) => null!;

    public void Write(string name, byte[] data, int count)
    {
    }

    public void Delete(string name)
    {
    }

    public int Length(string name) => -1;

    public int ReadAt(string name, int position, byte[] buffer, int offset, int count) => 0;

    public void Append(string name, byte[] data, int offset, int count)
    {
    }

    public void Truncate(string name, int length)
    {
    }
}

internal sealed class NullEventSink : IEnforcementEventSink
{
    public void Record(long atUnix, int kind, int reason, uint subject, long detail)
    {
    }

    public void RecordUsage(long atUnix, int category, uint appId, uint seconds)
    {
    }
}

internal sealed class DotNetHmac : IHmacSha256
{
    public void Compute(byte[] key, byte[] data, int offset, int count, byte[] output) =>
        HMACSHA256.HashData(key, data.AsSpan(offset, count), output);
}
