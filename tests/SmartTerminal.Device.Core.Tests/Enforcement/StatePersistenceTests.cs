using SmartTerminal.Device.Core.Enforcement;
using static SmartTerminal.Device.Core.Tests.Enforcement.TestPolicies;
using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>Usage counters in flash: atomic, CRC-checked, and never read back as "nothing used today".</summary>
public sealed class StatePersistenceTests
{
    private static ChildDevice DeviceAfter20Minutes()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        device.Use(Reader, TimeSpan.FromMinutes(20));
        device.Engine.Checkpoint();
        return device;
    }

    [Fact]
    public void State_round_trips_through_its_serialised_form()
    {
        var state = new UsageState { Generation = 7, LowerBoundUnixMs = -5, Day = 20_000, TotalUsedSeconds = 1_234, PolicyVersion = ulong.MaxValue, RunningCategory = 3, RunningCountsTowardTotal = true, UsedUpUntilTrustedTime = true };
        state.CategoryUsedSeconds[15] = 99;
        state.Remember(state.RedeemedCodes, 42);
        var bytes = new byte[UsageState.SerializedLength];
        state.WriteTo(bytes);

        Assert.Equivalent(state, UsageState.TryRead(bytes), strict: true);
    }

    [Fact]
    public void Every_single_byte_corruption_or_truncation_is_detected()
    {
        var bytes = new byte[UsageState.SerializedLength];
        new UsageState { TotalUsedSeconds = 1_200, Day = 20_000 }.WriteTo(bytes);

        for (var i = 0; i < bytes.Length; i++)
        {
            var damaged = bytes.ToArray();
            damaged[i] ^= 0x5A;
            Assert.Null(UsageState.TryRead(damaged));
            Assert.Null(UsageState.TryRead(bytes[..i]));
        }
    }

    [Fact]
    public void A_corrupted_state_counts_today_as_used_up_and_reports_it()
    {
        var device = DeviceAfter20Minutes();
        foreach (var name in new[] { UsageStateStore.SlotA, UsageStateStore.SlotB })
        {
            device.Storage.Files[name][20] ^= 0xFF;
        }

        device.PowerCut();

        // Without counters or time, nothing but always-allowed functions until trusted time arrives.
        Assert.False(device.Engine.StartActivity(ChildDevice.App(Reader)).IsAllowed);
        Assert.Contains(device.Events.Events, e => e.Kind == Wire.EnforcementEventKind.StateCorrupt && e.Detail == 0);
        device.Engine.ApplyTimeSync(ChildDevice.LocalToUnixMs("2026-11-30 16:30"));
        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.True(device.Engine.CheckCall(ChildDevice.Number("110")).IsAllowed);
    }

    [Fact]
    public void A_truncated_newest_save_falls_back_to_the_previous_one_and_counts_the_gap()
    {
        var device = DeviceAfter20Minutes();
        var newest = device.Engine.State.Generation % 2 == 0 ? UsageStateStore.SlotA : UsageStateStore.SlotB;

        device.Clock.Boot(rtcLost: false);
        device.Storage.Files[newest] = device.Storage.Files[newest][..17];
        device.PowerCut();

        Assert.InRange(device.Engine.State.TotalUsedSeconds, 20u * 60, 20u * 60 + 60);
        Assert.Contains(device.Events.Events, e => e.Kind == Wire.EnforcementEventKind.StateCorrupt && e.Detail == 1);
    }

    [Fact]
    public void After_a_corrupted_state_the_next_day_starts_normally()
    {
        var device = DeviceAfter20Minutes();
        device.Storage.Files[UsageStateStore.SlotA] = [1, 2, 3];
        device.Storage.Files[UsageStateStore.SlotB] = [];
        device.PowerCut();
        device.Engine.ApplyTimeSync(ChildDevice.LocalToUnixMs("2026-11-30 16:30"));
        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);

        device.Engine.ApplyTimeSync(ChildDevice.LocalToUnixMs("2026-12-01 09:00"));

        Assert.Equal(60, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void Checkpoints_write_once_a_minute_while_playing()
    {
        var device = new ChildDevice(ForAge(16), "2026-11-30 16:00");
        var writesBefore = device.Storage.Writes;
        device.Engine.StartActivity(ChildDevice.App(Reader));

        device.Play(TimeSpan.FromMinutes(60));

        Assert.InRange(device.Storage.Writes - writesBefore, 58, 62);
        Assert.Equal(UsageState.SerializedLength, device.Engine.CheckpointBytes);
    }
}
