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
    }

    private static long NanoSize(object? value, HashSet<object> seen)
    {
        if (value is null || value is string s && s.Length == 0 || !seen.Add(value))
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
