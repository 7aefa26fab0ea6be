using SmartTerminal.Device.Core.Enforcement;
using static SmartTerminal.Device.Core.Tests.Enforcement.TestPolicies;
using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>Forged, replayed, misaddressed and damaged policies are refused; the last good one stays.</summary>
public sealed class PolicyIntakeTests
{
    private static PolicyRefusal Apply(ChildDevice device, byte[] envelope) => device.Engine.ApplyPolicy(envelope, 0, envelope.Length);

    private static byte[] Version(ulong version, int age = 12) => ChildDevice.Sign(ForAge(age, version));

    [Fact]
    public void A_newer_policy_is_applied_and_survives_a_reboot()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");

        Assert.Equal(PolicyRefusal.None, Apply(device, Version(2, age: 12)));
        device.Reboot();

        Assert.Equal(2ul, device.Engine.Policy.Version);
        Assert.Equal(60, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void A_forged_policy_is_refused_reported_and_the_last_good_one_kept()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        var forged = ChildDevice.Sign(ForAge(17, 5), key: new byte[32]);

        Assert.Equal(PolicyRefusal.BadMac, Apply(device, forged));

        Assert.Equal(1ul, device.Engine.Policy.Version);
        var refused = Assert.Single(device.Events.Events, e => e.Kind == Wire.EnforcementEventKind.PolicyRefused);
        Assert.Equal((int)PolicyRefusal.BadMac, refused.Reason);
        Assert.Equal(5, refused.Detail);
    }

    [Fact]
    public void A_policy_whose_bytes_were_changed_after_signing_is_refused()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        var tampered = Version(2, age: 17);
        tampered[tampered.Length / 2] ^= 0x01;

        Assert.NotEqual(PolicyRefusal.None, Apply(device, tampered));
        Assert.Equal(1ul, device.Engine.Policy.Version);
    }

    [Fact]
    public void An_older_or_replayed_policy_is_refused_as_not_newer()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        var v3 = Version(3);
        Assert.Equal(PolicyRefusal.None, Apply(device, v3));

        Assert.Equal(PolicyRefusal.NotNewer, Apply(device, v3));
        Assert.Equal(PolicyRefusal.NotNewer, Apply(device, Version(2, age: 17)));
        Assert.Equal(3ul, device.Engine.Policy.Version);
    }

    [Fact]
    public void A_rollback_is_refused_even_after_a_reboot()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        Apply(device, Version(3));
        device.PowerCut();

        Assert.Equal(PolicyRefusal.NotNewer, Apply(device, Version(2, age: 17)));
    }

    [Fact]
    public void A_policy_for_another_device_or_another_key_is_refused()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");

        Assert.Equal(PolicyRefusal.WrongDevice, Apply(device, ChildDevice.Sign(ForAge(17, 2), deviceId: "st-0002")));
        Assert.Equal(PolicyRefusal.UnknownKey, Apply(device, ChildDevice.Sign(ForAge(17, 2), keyId: 9)));
    }

    [Fact]
    public void Malformed_truncated_and_empty_payloads_are_refused()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        var good = Version(2);

        Assert.Equal(PolicyRefusal.Malformed, Apply(device, good[..(good.Length - 10)]));
        Assert.Equal(PolicyRefusal.Malformed, Apply(device, []));
        Assert.Equal(PolicyRefusal.Malformed, Apply(device, [0xFF, 0xFF, 0xFF]));
        Assert.Equal(1ul, device.Engine.Policy.Version);
    }

    [Fact]
    public void An_envelope_whose_inner_version_differs_from_the_signed_version_is_refused()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        var inner = ForAge(12, 9);
        var envelope = new SmartTerminal.Contracts.Device.V1.SignedPolicyEnvelope { DeviceId = ChildDevice.DeviceId, Version = 2, KeyId = ChildDevice.KeyId, Policy = Google.Protobuf.MessageExtensions.ToByteString(inner) };
        envelope.Mac = Google.Protobuf.ByteString.CopyFrom(System.Security.Cryptography.HMACSHA256.HashData(ChildDevice.PolicyKey, Google.Protobuf.MessageExtensions.ToByteArray(envelope)));

        Assert.Equal(PolicyRefusal.Malformed, Apply(device, Google.Protobuf.MessageExtensions.ToByteArray(envelope)));
        Assert.Equal(1ul, device.Engine.Policy.Version);
        Assert.Equal(40, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void A_signed_policy_that_does_not_decode_is_refused_and_the_one_in_force_read_back_from_flash()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        Assert.Equal(PolicyRefusal.None, Apply(device, Version(2, age: 12)));
        var envelope = new SmartTerminal.Contracts.Device.V1.SignedPolicyEnvelope
        {
            DeviceId = ChildDevice.DeviceId,
            Version = 3,
            KeyId = ChildDevice.KeyId,
            Policy = Google.Protobuf.ByteString.CopyFrom(0x08, 0x03, 0x12, 0xFF, 0xFF, 0xFF, 0x0F),
        };
        envelope.Mac = Google.Protobuf.ByteString.CopyFrom(System.Security.Cryptography.HMACSHA256.HashData(ChildDevice.PolicyKey, Google.Protobuf.MessageExtensions.ToByteArray(envelope)));

        Assert.Equal(PolicyRefusal.Malformed, Apply(device, Google.Protobuf.MessageExtensions.ToByteArray(envelope)));

        Assert.Equal(2ul, device.Engine.Policy.Version);
        Assert.Equal(60, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
        Assert.Contains(device.Events.Events, e => e.Kind == Wire.EnforcementEventKind.PolicyRefused && e.Reason == (int)PolicyRefusal.Malformed && e.Detail == 3);
    }

    [Fact]
    public void The_policy_in_force_is_released_before_a_new_one_is_decoded_so_the_two_never_share_the_heap()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        var previous = WeakPolicy(device);
        bool? previousAliveWhileStoring = null;
        device.Storage.BeforeWrite = name =>
        {
            if (name == PolicyEngine.PolicyFile)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                previousAliveWhileStoring = previous.IsAlive;
            }
        };

        Assert.Equal(PolicyRefusal.None, Apply(device, Version(2, age: 12)));

        Assert.False(previousAliveWhileStoring, "the old policy was still reachable after the new one was decoded");
        Assert.Equal(2ul, device.Engine.Policy.Version);
    }

    // Outside the test method, so that no local of the test keeps the old policy alive.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference WeakPolicy(ChildDevice device) => new(device.Engine.Policy);

    [Fact]
    public void A_damaged_policy_file_falls_back_to_the_flashed_baseline()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        Apply(device, Version(2, age: 17));
        device.Storage.Files[PolicyEngine.PolicyFile][40] ^= 0xFF;

        device.Reboot();

        Assert.Equal(1ul, device.Engine.Policy.Version);
        Assert.Equal(40, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void After_losing_its_policy_file_the_device_takes_back_the_retained_policy_of_the_same_version()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        var v2 = Version(2);
        Apply(device, v2);
        device.Storage.Delete(PolicyEngine.PolicyFile);
        device.Reboot();
        Assert.Equal(1ul, device.Engine.Policy.Version);

        Assert.Equal(PolicyRefusal.None, Apply(device, v2));
        Assert.Equal(PolicyRefusal.NotNewer, Apply(device, Version(1)));
    }

    [Fact]
    public void Without_any_valid_policy_only_emergency_functions_work()
    {
        var clock = new FakeDeviceClock { WallClockUnixMs = 5_000, MonotonicMs = 10 };
        var engine = new PolicyEngine(clock, new MemoryStorage(), new DotNetHmac(), new RecordingEventSink(), ChildDevice.Keys, null!);

        Assert.Equal(DecisionReason.NoPolicy, engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.Equal(DecisionReason.NoPolicy, engine.CheckCall(ChildDevice.Number(Guardian)).Reason);
        Assert.Equal(DecisionReason.NoPolicy, engine.CheckDomain("kids.example").Reason);
        Assert.Equal(OfflineCodeResult.NoPolicy, engine.RedeemOfflineCode("01012345678"));
        Assert.True(engine.CheckSos().IsAllowed);
    }
}
