using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Time;
using static SmartTerminal.Device.Core.Tests.Enforcement.TestPolicies;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>The bypasses users report against other products (mission brief), each tried here.</summary>
public sealed class TimeAndTamperTests
{
    private static ChildDevice DeviceWithBudgetUsedUp(string localTime = "2026-11-30 20:00")
    {
        var device = new ChildDevice(ForAge(7), localTime);
        device.Use(Reader, TimeSpan.FromMinutes(41));
        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        return device;
    }

    [Fact]
    public void Moving_the_wall_clock_forward_a_day_gives_no_new_budget_and_is_reported()
    {
        var device = DeviceWithBudgetUsedUp();

        device.Clock.WallClockUnixMs += (long)TimeSpan.FromDays(1).TotalMilliseconds;
        device.Engine.Tick();

        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        var tamper = Assert.Single(device.Events.Events, e => e.Kind == SmartTerminal.Device.Core.Messages.Wire.EnforcementEventKind.ClockTamper);
        Assert.InRange(tamper.Detail, 86_390, 86_410);
    }

    [Fact]
    public void Moving_the_wall_clock_back_gives_no_time_back_and_is_reported()
    {
        var device = DeviceWithBudgetUsedUp();
        var used = device.Engine.State.TotalUsedSeconds;

        device.Clock.WallClockUnixMs -= (long)TimeSpan.FromHours(5).TotalMilliseconds;
        device.Engine.Tick();

        Assert.Equal(used, device.Engine.State.TotalUsedSeconds);
        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.True(device.Events.Events.Single(e => e.Kind == SmartTerminal.Device.Core.Messages.Wire.EnforcementEventKind.ClockTamper).Detail < -17_000);
    }

    [Fact]
    public void Setting_the_clock_to_escape_curfew_does_not_end_it()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 22:30");

        device.Clock.WallClockUnixMs = ChildDevice.LocalToUnixMs("2026-12-01 10:00");
        device.Engine.Tick();

        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
    }

    [Fact]
    public void Changing_the_devices_time_zone_changes_nothing_the_policy_carries_the_zone()
    {
        var device = DeviceWithBudgetUsedUp();

        // A time-zone change on a device that shows local time is an RTC shift by the offset difference.
        device.Clock.WallClockUnixMs += (long)TimeSpan.FromHours(-13).TotalMilliseconds;
        device.Engine.Tick();

        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.Equal(1, device.Events.Count(SmartTerminal.Device.Core.Messages.Wire.EnforcementEventKind.ClockTamper));
    }

    [Fact]
    public void A_trusted_sync_that_sets_the_RTC_is_not_reported_as_tampering()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        device.Clock.WallClockUnixMs += 3_600_000;

        device.Engine.ApplyTimeSync(device.Engine.NowUnixMs);
        device.Engine.Tick();

        Assert.Equal(0, device.Events.Count(SmartTerminal.Device.Core.Messages.Wire.EnforcementEventKind.ClockTamper));
    }

    [Fact]
    public void A_new_policy_moving_the_childs_zone_west_does_not_reopen_a_spent_day()
    {
        var device = DeviceWithBudgetUsedUp("2026-11-30 09:00");
        var day = device.Engine.State.Day;
        var west = ForAge(7, version: 2);
        west.UtcOffsets.Clear();
        west.UtcOffsets.Add(new Wire.UtcOffsetTransition { FromUnix = 0, OffsetMinutes = -300 });
        var bytes = ChildDevice.Sign(west);

        Assert.Equal(PolicyRefusal.None, device.Engine.ApplyPolicy(bytes, 0, bytes.Length));

        Assert.Equal(day, device.Engine.State.Day);
        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
    }

    [Fact]
    public void A_trusted_sync_that_moves_time_back_across_midnight_does_not_reset_the_day_twice()
    {
        var policy = ForAge(7);
        policy.AllowedWindows.Clear();
        var device = new ChildDevice(policy, "2026-12-01 00:10");
        device.Use(Reader, TimeSpan.FromMinutes(20));
        var day = device.Engine.State.Day;

        device.Engine.ApplyTimeSync(ChildDevice.LocalToUnixMs("2026-11-30 23:50"));
        device.Wait(TimeSpan.FromMinutes(30));

        Assert.Equal(day, device.Engine.State.Day);
        Assert.Equal(20u * 60, device.Engine.State.TotalUsedSeconds);
    }

    [Fact]
    public void Daylight_saving_change_resets_the_budget_once_at_local_midnight_only()
    {
        // New York: UTC-5 until 2026-03-08 07:00 UTC (02:00 local), UTC-4 after.
        var policy = ForAge(7);
        policy.UtcOffsets.Clear();
        policy.UtcOffsets.Add(new Wire.UtcOffsetTransition { FromUnix = 0, OffsetMinutes = -300 });
        policy.UtcOffsets.Add(new Wire.UtcOffsetTransition { FromUnix = new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), OffsetMinutes = -240 });
        policy.AllowedWindows.Clear();
        policy.IssuedAtUnix = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var device = new ChildDevice(policy, "2026-03-07 23:00");
        device.Engine.ApplyTimeSync(new DateTimeOffset(2026, 3, 7, 23, 30, 0, TimeSpan.FromHours(-5)).ToUnixTimeMilliseconds());
        var days = new List<int>();

        for (var hour = 0; hour < 30; hour++)
        {
            device.Wait(TimeSpan.FromHours(1));
            days.Add(device.Engine.State.Day);
        }

        // Hourly from 00:30 Sunday: Sunday has only 23 hours (02:00 became 03:00), then Monday starts
        // at its local midnight (04:00 UTC); each day started exactly once.
        Assert.Equal(2, days.Distinct().Count());
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds() / 86400, days[0]);
        Assert.Equal(23, days.Count(d => d == days[0]));
        Assert.Equal(days.Order(), days);
    }

    [Fact]
    public void An_expired_policy_keeps_being_enforced()
    {
        var policy = ForAge(10);
        policy.ValidUntilUnix = ChildDevice.LocalToUnixMs("2026-11-15 00:00") / 1000;
        var device = new ChildDevice(policy, "2026-11-30 23:00");

        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.Equal(DecisionReason.Rating, device.Engine.StartActivity(ChildDevice.App(TeenGame)).Reason);
    }

    [Fact]
    public void Rebooting_keeps_todays_counters()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        device.Use(Reader, TimeSpan.FromMinutes(20));

        device.Reboot();

        Assert.Equal(20u * 60, device.Engine.State.TotalUsedSeconds);
        Assert.Equal(40, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void A_power_cut_during_play_counts_the_unknown_gap_against_the_child()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        device.Engine.StartActivity(ChildDevice.App(Reader));
        device.Play(TimeSpan.FromSeconds(630));

        device.PowerCut();

        Assert.InRange(device.Engine.State.TotalUsedSeconds, 630u, 630u + 60);
        Assert.Equal(1, device.Events.Count(SmartTerminal.Device.Core.Messages.Wire.EnforcementEventKind.RebootGap));
    }

    [Fact]
    public void Power_on_with_the_clock_near_1970_and_no_network_stays_in_curfew_and_keeps_the_days_usage()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 21:00");
        device.Use(Reader, TimeSpan.FromMinutes(50));
        device.Wait(TimeSpan.FromMinutes(15));
        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);

        // Off all night; at 07:30 it is switched on with the RTC lost and no network.
        device.PowerCut(rtcLost: true);

        Assert.Equal(ClockState.Untrusted, device.Engine.Clock.State);
        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.Equal(50u * 60, device.Engine.State.TotalUsedSeconds);
        Assert.InRange(device.Engine.NowUnixMs, ChildDevice.LocalToUnixMs("2026-11-30 22:04"), ChildDevice.LocalToUnixMs("2026-11-30 22:05"));
        Assert.True(device.Engine.CheckCall(ChildDevice.Number("110")).IsAllowed);

        // The network comes back: trusted time, a new day, a fresh budget.
        device.Engine.ApplyTimeSync(ChildDevice.LocalToUnixMs("2026-12-01 07:30"));
        Assert.Equal(60, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void A_guardian_code_vouches_for_the_time_when_a_device_that_lost_power_lags_behind()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 22:30");
        device.PowerCut(rtcLost: true);
        var realNow = ChildDevice.LocalToUnixMs("2026-12-01 08:00");
        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);

        Assert.Equal(OfflineCodeResult.Accepted, device.Engine.RedeemOfflineCode(GuardianApp.Code(realNow, extraMinutes: 10)));

        Assert.Equal(70, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void A_code_from_the_future_is_refused_while_the_clock_is_trusted()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        var tomorrow = ChildDevice.LocalToUnixMs("2026-12-01 16:00");

        Assert.Equal(OfflineCodeResult.Invalid, device.Engine.RedeemOfflineCode(GuardianApp.Code(tomorrow, extraMinutes: 10)));
    }

    [Fact]
    public void A_code_older_than_the_window_is_refused()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        Assert.Equal(OfflineCodeResult.Invalid, device.Engine.RedeemOfflineCode(GuardianApp.Code(device.Engine.NowUnixMs - 20 * 60_000, extraMinutes: 10)));
    }
}
