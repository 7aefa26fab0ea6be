using System.Collections;
using System.Reflection;
using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Benchmarks;

/// <summary>
/// Prints the engine's resident size with the large policy: measured on .NET (GC delta) and estimated
/// for nanoFramework's heap, where every object is a 12-byte heap block plus a 12-byte block per field,
/// value-type arrays are a 12-byte header plus packed elements, and reference elements count 12 bytes.
/// </summary>
internal static class Footprint
{
    private const int NanoBlock = 12;

    public static void Print()
    {
        var fixture = new EngineFixture();
        var envelope = fixture.Envelope;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var engine = new SmartTerminal.Device.Core.Enforcement.PolicyEngine(fixture.Clock, new NullStorage(), new DotNetHmac(), new NullEventSink(),
            new SmartTerminal.Device.Core.Enforcement.DeviceKeys(EngineFixture.DeviceId, 1, EngineFixture.Key, new byte[32]), envelope);
        long engineAllocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var policyEstimate = NanoSize(engine.Policy, []);
        var stateEstimate = NanoSize(engine.State, []);
        Console.WriteLine($"signed large policy on the wire:         {envelope.Length,8:N0} bytes");
        Console.WriteLine($"  5,000 domains x 4 B packed fixed32:   {5000 * 4,8:N0} bytes ({(double)envelope.Length / 5000:F2} bytes per domain entry overall)");
        Console.WriteLine($".NET: allocated by engine start-up:      {engineAllocated,8:N0} bytes (decode, state, buffers)");
        Console.WriteLine($"nanoFramework estimate, decoded policy: {policyEstimate,8:N0} bytes");
        Console.WriteLine($"nanoFramework estimate, usage state:    {stateEstimate,8:N0} bytes");
        Console.WriteLine($"nanoFramework estimate, whole engine:   {NanoSize(engine, []),8:N0} bytes (policy, state, clock, keys, scratch buffers)");
        Console.WriteLine("The envelope itself (received payload) can be released once decoded.");
        PrintRuntime(fixture);
    }

    // The whole device runtime (engine, ledger, outbox, session) with the large policy, and the flash it
    // writes in an hour of use: 30 minutes of play across three apps, 30 idle, offline (worst case:
    // everything stays in the outbox).
    private static void PrintRuntime(EngineFixture fixture)
    {
        var storage = new CountingStorage();
        var clock = new FixedClock();
        var config = new SmartTerminal.Device.Core.Messages.DeviceConfig
        {
            DeviceId = EngineFixture.DeviceId,
            MqttPassword = "password",
            PolicyKeyId = 1,
            PolicyKey = EngineFixture.Key,
            GuardianCodeSecret = new byte[32],
            InitialPolicy = fixture.Envelope,
            HeartbeatSeconds = 3600,
        };
        var runtime = new SmartTerminal.Device.Core.Runtime.DeviceRuntime(config, clock, storage, new DotNetHmac(), new OfflineTransport(), "1.0.0");
        var afterStart = storage.BytesWritten;
        var apps = fixture.Packages.Take(3).Select(SmartTerminal.Device.Core.Hashing.Fnv1a.Hash32).ToArray();
        for (var second = 0; second < 3600; second++)
        {
            clock.MonotonicMs += 1000;
            clock.WallClockUnixMs += 1000;
            if (second % 600 == 0)
            {
                runtime.Engine.StartActivity(apps[second / 600 % 3]);
            }

            if (second % 600 == 300)
            {
                runtime.Engine.StopActivity();
            }

            runtime.Engine.NoteInteraction();
            runtime.Step();
        }

        var atRest = NanoSize(runtime, []);
        var decodedPolicy = NanoSize(runtime.Engine.Policy, []);
        Console.WriteLine($"nanoFramework estimate, whole runtime:  {atRest,8:N0} bytes (engine + ledger + outbox index + session buffers)");
        Console.WriteLine($"flash written in one hour of use:       {storage.BytesWritten - afterStart,8:N0} bytes (usage state every minute, ledger, outbox records; offline)");

        // A new policy of the same size arrives: its envelope is held while it is decoded, and the
        // policy in force has been released by then (PolicyEngine.ApplyPolicy), so one decoded policy
        // is live at a time. Checked against the real intake below.
        var next = fixture.EnvelopeWithVersion(fixture.Policy.Version + 1);
        if (runtime.Engine.ApplyPolicy(next, 0, next.Length) != SmartTerminal.Device.Core.Enforcement.PolicyRefusal.None)
        {
            throw new InvalidOperationException("the second large policy was refused");
        }

        Console.WriteLine($"peak while a new large policy arrives:  {atRest + next.Length,8:N0} bytes (at rest + received envelope; holding both decoded policies would add {decodedPolicy:N0})");
    }

    private static long NanoSize(object? value, HashSet<object> seen)
    {
        // Files live in flash, not on the heap: the storage adapter's contents are not counted.
        if (value is null || value is string s && s.Length == 0 || value is SmartTerminal.Device.Core.Platform.IStorage || !seen.Add(value))
        {
            return 0;
        }

        switch (value)
        {
            case string text:
                return NanoBlock + (text.Length * 2);
            case Array array when array.GetType().GetElementType()!.IsValueType:
                return NanoBlock + (array.Length * ElementSize(array.GetType().GetElementType()!));
            case Array array:
                long total = NanoBlock + (array.Length * NanoBlock);
                foreach (var item in (IEnumerable)array)
                {
                    total += NanoSize(item, seen);
                }

                return total;
        }

        var fields = value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        long size = NanoBlock * (1 + fields.Length);
        foreach (var field in fields.Where(f => !f.FieldType.IsValueType))
        {
            size += NanoSize(field.GetValue(value), seen);
        }

        return size;
    }

    private static int ElementSize(Type type) => type == typeof(bool) || type == typeof(byte) ? 1
        : type == typeof(char) || type == typeof(short) ? 2
        : type == typeof(long) || type == typeof(ulong) || type == typeof(double) ? 8 : 4;
}
