using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Hashing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>
/// A child's device in a test: the real engine with fake clocks and in-memory flash, a policy signed
/// as the service would sign it, and helpers to live through minutes, reboots and power cuts.
/// Local times are China Standard Time (UTC+8), as in the policy's offset table.
/// </summary>
internal sealed class ChildDevice
{
    public const string DeviceId = "st-0001";
    public const uint KeyId = 1;
    public static readonly byte[] PolicyKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    public static readonly byte[] GuardianSecret = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    public ChildDevice(Wire.DevicePolicy policy, string localTime, bool trustedSync = true)
    {
        var now = LocalToUnixMs(localTime);
        Clock.WallClockUnixMs = now;
        Clock.TrueUnixMs = now;
        Clock.MonotonicMs = 1_000;
        _initialPolicy = Sign(policy);
        Engine = Start();
        if (trustedSync)
        {
            Engine.ApplyTimeSync(now);
        }
    }

    // The signed baseline in the flashed configuration: the head passes it at every boot.
    private readonly byte[] _initialPolicy;

    public FakeDeviceClock Clock { get; } = new();

    public MemoryStorage Storage { get; } = new();

    public RecordingEventSink Events { get; } = new();

    public PolicyEngine Engine { get; private set; }

    public static DeviceKeys Keys => new(DeviceId, KeyId, PolicyKey, GuardianSecret);

    /// <summary>Unix ms of a local (UTC+8) time "yyyy-MM-dd HH:mm".</summary>
    public static long LocalToUnixMs(string localTime) =>
        DateTimeOffset.ParseExact(localTime + " +08:00", "yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    public static uint App(string packageName) => Fnv1a.Hash32(packageName);

    public static ulong Number(string number) => Fnv1a.HashPhoneNumber(number);

    /// <summary>Signs a policy for this device as the service does.</summary>
    public static byte[] Sign(Wire.DevicePolicy policy, string deviceId = DeviceId, uint keyId = KeyId, byte[]? key = null)
    {
        var envelope = new Wire.SignedPolicyEnvelope { DeviceId = deviceId, Version = policy.Version, KeyId = keyId, Policy = policy.ToByteString() };
        envelope.Mac = ByteString.CopyFrom(HMACSHA256.HashData(key ?? PolicyKey, envelope.ToByteArray()));
        return envelope.ToByteArray();
    }

    /// <summary>The local time the engine believes it is.</summary>
    public string EngineLocalTime => DateTimeOffset.FromUnixTimeMilliseconds(Engine.NowUnixMs).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Real time passes with nothing running until the engine's local time reaches the given time.</summary>
    public void WaitUntil(string localTime) =>
        Wait(TimeSpan.FromMilliseconds(LocalToUnixMs(localTime) - Engine.NowUnixMs));

    /// <summary>Real time passes with nothing running.</summary>
    public void Wait(TimeSpan duration)
    {
        for (var left = duration; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(10))
        {
            Clock.Advance(left < TimeSpan.FromSeconds(10) ? left : TimeSpan.FromSeconds(10));
            Engine.Tick();
        }
    }

    /// <summary>
    /// The child keeps using the running activity, interacting every second, for up to the duration.
    /// Returns every non-empty tick result; stops early when the engine stops the activity.
    /// </summary>
    public List<AccountingResult> Play(TimeSpan duration, bool interacting = true)
    {
        var results = new List<AccountingResult>();
        for (var second = 0; second < duration.TotalSeconds; second++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            if (interacting)
            {
                Engine.NoteInteraction();
            }

            var result = Engine.Tick();
            if (result.Action != AccountingAction.None)
            {
                results.Add(result);
            }

            if (result.Action == AccountingAction.Stop)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>Starts an app and plays it; returns the start decision and the tick results.</summary>
    public (Decision Start, List<AccountingResult> Ticks) Use(string packageName, TimeSpan duration)
    {
        var start = Engine.StartActivity(App(packageName));
        var ticks = start.IsAllowed ? Play(duration) : [];
        Engine.StopActivity();
        return (start, ticks);
    }

    /// <summary>Seconds of play the engine allows, trying for up to the given duration.</summary>
    public int PlayableSeconds(string packageName, TimeSpan upTo)
    {
        var start = Engine.StartActivity(App(packageName));
        if (!start.IsAllowed)
        {
            return 0;
        }

        var seconds = 0;
        for (; seconds < upTo.TotalSeconds; seconds++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            Engine.NoteInteraction();
            if (Engine.Tick().Action == AccountingAction.Stop)
            {
                return seconds + 1;
            }
        }

        Engine.StopActivity();
        return seconds;
    }

    /// <summary>An orderly restart: the engine saves, the device boots again (the RTC keeps time).</summary>
    public void Reboot(bool rtcLost = false)
    {
        Engine.Checkpoint();
        PowerCut(rtcLost);
    }

    /// <summary>Power is cut without warning; the device boots again from what flash holds.</summary>
    public void PowerCut(bool rtcLost = false)
    {
        Clock.Boot(rtcLost);
        Engine = Start();
    }

    private PolicyEngine Start() => new(Clock, Storage, new DotNetHmac(), Events, Keys, _initialPolicy);
}
