using SmartTerminal.Device.Core.Enforcement;
using static SmartTerminal.Device.Core.Tests.Enforcement.TestPolicies;
using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>Scenarios from the CN minor-mode rules and the mission brief, as a guardian would describe them.</summary>
public sealed class RegulationScenarioTests
{
    [Fact]
    public void Seven_year_old_at_21_50_with_35_of_40_minutes_used_is_warned_then_stopped_at_the_budget()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 18:00");
        var afternoon = device.Use(Reader, TimeSpan.FromMinutes(35)).Ticks;
        Assert.Equal([AccountingAction.RestReminder, AccountingAction.Warn], afternoon.Select(t => t.Action));
        Assert.Equal(5, afternoon.Last().MinutesLeft);
        device.WaitUntil("2026-11-30 21:50");
        Assert.Equal("2026-11-30 21:50", device.EngineLocalTime);

        var start = device.Engine.StartActivity(ChildDevice.App(Reader));
        var ticks = device.Play(TimeSpan.FromMinutes(10));

        Assert.Equal(DecisionKind.AllowWithWarning, start.Kind);
        Assert.Equal(5, start.MinutesLeft);
        Assert.Contains(ticks, t => t.Action == AccountingAction.Warn && t.MinutesLeft == 1);
        var stop = ticks.Last();
        Assert.Equal(AccountingAction.Stop, stop.Action);
        Assert.Equal(DecisionReason.DailyBudget, stop.Reason);
        Assert.Equal(40u * 60, device.Engine.State.TotalUsedSeconds);
    }

    [Fact]
    public void Fifteen_year_old_gets_a_rest_reminder_after_30_minutes_of_continuous_use()
    {
        var device = new ChildDevice(ForAge(15), "2026-11-30 15:00");
        device.Engine.StartActivity(ChildDevice.App(Reader));

        var first29Minutes = device.Play(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        var minute30 = device.Play(TimeSpan.FromSeconds(1));

        Assert.DoesNotContain(first29Minutes, t => t.Action == AccountingAction.RestReminder);
        Assert.Equal(AccountingAction.RestReminder, Assert.Single(minute30).Action);
        Assert.Equal(1, device.Events.Count(Wire.EnforcementEventKind.Rest));
        Assert.True(device.Engine.IsActivityRunning);
    }

    [Fact]
    public void Forced_break_after_30_minutes_refuses_play_for_10_minutes_then_allows_it()
    {
        var policy = ForAge(15);
        policy.ContinuousUse.ForcedBreak = true;
        var device = new ChildDevice(policy, "2026-11-30 15:00");
        device.Engine.StartActivity(ChildDevice.App(Reader));

        var stop = device.Play(TimeSpan.FromMinutes(31)).Last();
        Assert.Equal(DecisionReason.RestRequired, stop.Reason);
        Assert.Equal(DecisionReason.RestRequired, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);

        device.Wait(TimeSpan.FromMinutes(10));

        Assert.True(device.Engine.StartActivity(ChildDevice.App(Reader)).IsAllowed);
    }

    [Fact]
    public void A_game_is_refused_at_22_00_while_an_emergency_call_goes_through()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 22:00");

        var game = device.Engine.StartActivity(ChildDevice.App(Game));
        var emergency = device.Engine.CheckCall(ChildDevice.Number("110"));
        var classmate = device.Engine.CheckCall(ChildDevice.Number(Classmate));
        var guardian = device.Engine.CheckCall(ChildDevice.Number(Guardian));

        Assert.Equal(DecisionReason.Curfew, game.Reason);
        Assert.True(emergency.IsAllowed);
        Assert.Equal(DecisionReason.Curfew, classmate.Reason);
        Assert.True(guardian.IsAllowed);
        Assert.True(device.Engine.CheckSos().IsAllowed);
    }

    [Fact]
    public void A_new_contacts_message_is_refused_while_the_guardians_gets_through()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        Assert.Equal(DecisionReason.ContactNotAllowed, device.Engine.CheckIncomingMessage(ChildDevice.Number(Stranger)).Reason);
        Assert.True(device.Engine.CheckIncomingMessage(ChildDevice.Number(Guardian)).IsAllowed);
        Assert.True(device.Engine.CheckIncomingMessage(ChildDevice.Number(Classmate)).IsAllowed);
        Assert.Equal(DecisionReason.ContactNotAllowed, device.Engine.CheckIncomingMessage(ChildDevice.Number(Blocked)).Reason);
    }

    [Fact]
    public void Writing_to_a_new_contact_needs_the_guardian_and_a_blocked_contact_is_refused()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        var stranger = device.Engine.CheckSendMessage(ChildDevice.Number(Stranger));
        var blocked = device.Engine.CheckCall(ChildDevice.Number(Blocked));

        Assert.Equal(DecisionKind.NeedsGuardian, stranger.Kind);
        Assert.Equal(DecisionReason.ContactNotAllowed, stranger.Reason);
        Assert.Equal(DecisionKind.Deny, blocked.Kind);
    }

    [Fact]
    public void A_photo_to_a_classmate_not_approved_for_media_is_refused_while_a_friend_and_the_guardian_receive_it()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        Assert.Equal(DecisionReason.MediaNotAllowed, device.Engine.CheckSendMedia(ChildDevice.Number(Classmate)).Reason);
        Assert.Equal(DecisionReason.MediaNotAllowed, device.Engine.CheckSendMedia(ChildDevice.Number(Stranger)).Reason);
        Assert.True(device.Engine.CheckSendMedia(ChildDevice.Number(Friend)).IsAllowed);
        Assert.True(device.Engine.CheckSendMedia(ChildDevice.Number(Guardian)).IsAllowed);
    }

    [Fact]
    public void An_offline_code_is_accepted_once_and_refused_the_second_time()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 17:00");
        device.Use(Reader, TimeSpan.FromMinutes(41));
        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        var code = GuardianApp.Code(device.Engine.NowUnixMs, extraMinutes: 15);

        Assert.Equal(OfflineCodeResult.Accepted, device.Engine.RedeemOfflineCode(code));
        Assert.Equal(OfflineCodeResult.AlreadyUsed, device.Engine.RedeemOfflineCode(code));

        var start = device.Engine.StartActivity(ChildDevice.App(Reader));
        Assert.Equal(15, start.MinutesLeft);
        Assert.Equal(1, device.Events.Count(Wire.EnforcementEventKind.CodeRedeemed));
        Assert.Equal(1, device.Events.Count(Wire.EnforcementEventKind.CodeRefused));
    }

    [Fact]
    public void Calls_and_messages_with_guardians_work_in_class_time_while_games_wait()
    {
        var policy = ForAge(10);
        policy.ClassWindows.Add(new SmartTerminal.Contracts.Device.V1.TimeWindow { WeekdayMask = 0x1F, StartMinute = 8 * 60, EndMinute = 12 * 60 });
        policy.ClassAllowedAppIds.Add(ChildDevice.App(ClassApp));
        var device = new ChildDevice(policy, "2026-11-30 09:00");

        Assert.Equal(DecisionReason.ClassMode, device.Engine.StartActivity(ChildDevice.App(Game)).Reason);
        Assert.True(device.Engine.StartActivity(ChildDevice.App(ClassApp)).IsAllowed);
        Assert.True(device.Engine.CheckSendMessage(ChildDevice.Number(Guardian)).IsAllowed);
        Assert.Equal(DecisionReason.ClassMode, device.Engine.CheckCall(ChildDevice.Number(Friend)).Reason);
        Assert.True(device.Engine.CheckCall(ChildDevice.Number("120")).IsAllowed);
    }

    [Fact]
    public void Saturday_class_windows_do_not_apply_when_the_mask_says_weekdays()
    {
        var policy = ForAge(10);
        policy.ClassWindows.Add(new SmartTerminal.Contracts.Device.V1.TimeWindow { WeekdayMask = 0x1F, StartMinute = 8 * 60, EndMinute = 12 * 60 });
        var device = new ChildDevice(policy, "2026-11-28 09:00");

        Assert.True(device.Engine.StartActivity(ChildDevice.App(Game)).IsAllowed);
    }

    [Fact]
    public void While_charging_only_emergency_calls_and_always_allowed_functions_work()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        device.Engine.SetCharging(true);

        Assert.Equal(DecisionReason.Charging, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.Equal(DecisionReason.Charging, device.Engine.CheckCall(ChildDevice.Number(Friend)).Reason);
        Assert.True(device.Engine.CheckCall(ChildDevice.Number("119")).IsAllowed);
        Assert.True(device.Engine.CheckCall(ChildDevice.Number(Guardian)).IsAllowed);

        device.Engine.SetCharging(false);
        Assert.True(device.Engine.StartActivity(ChildDevice.App(Reader)).IsAllowed);
    }

    [Fact]
    public void A_running_app_is_stopped_when_charging_starts()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        device.Engine.StartActivity(ChildDevice.App(Reader));
        device.Play(TimeSpan.FromMinutes(1));

        device.Engine.SetCharging(true);
        var stop = device.Play(TimeSpan.FromSeconds(2)).Single();

        Assert.Equal(DecisionReason.Charging, stop.Reason);
        Assert.False(device.Engine.IsActivityRunning);
    }

    [Fact]
    public void Camera_and_microphone_need_guardian_consent_location_was_granted()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPermission(Permission.Camera).Kind);
        Assert.Equal(DecisionReason.Permission, device.Engine.CheckPermission(Permission.Microphone).Reason);
        Assert.True(device.Engine.CheckPermission(Permission.Location).IsAllowed);
    }

    [Fact]
    public void Purchases_above_the_single_or_daily_cap_need_the_guardian()
    {
        var device = new ChildDevice(ForAge(12), "2026-11-30 16:00");

        Assert.True(device.Engine.CheckPurchase(4_000).IsAllowed);
        device.Engine.RecordPurchase(4_000);
        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPurchase(6_000).Kind);
        device.Engine.RecordPurchase(5_000);
        var overDaily = device.Engine.CheckPurchase(2_000);

        Assert.Equal(DecisionKind.NeedsGuardian, overDaily.Kind);
        Assert.Equal(DecisionReason.SpendingCap, overDaily.Reason);
    }

    [Fact]
    public void Payments_stay_off_until_the_guardian_enables_them()
    {
        var policy = ForAge(12);
        policy.Spending.PaymentsEnabled = false;
        var device = new ChildDevice(policy, "2026-11-30 16:00");

        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPurchase(1).Kind);
    }

    [Fact]
    public void An_app_rated_above_the_childs_age_is_refused_unless_the_guardian_allowed_it()
    {
        var policy = ForAge(10);
        var device = new ChildDevice(policy, "2026-11-30 16:00");
        Assert.Equal(DecisionReason.Rating, device.Engine.StartActivity(ChildDevice.App(TeenGame)).Reason);

        var allowed = ForAge(10, version: 2);
        allowed.Apps.Single(a => a.AppId == ChildDevice.App(TeenGame)).Access = SmartTerminal.Contracts.Device.V1.AppAccess.Allow;
        var bytes = ChildDevice.Sign(allowed);
        Assert.Equal(PolicyRefusal.None, device.Engine.ApplyPolicy(bytes, 0, bytes.Length));

        Assert.True(device.Engine.StartActivity(ChildDevice.App(TeenGame)).IsAllowed);
    }

    [Fact]
    public void Unlisted_and_blocked_apps_are_refused()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        Assert.Equal(DecisionReason.Blocked, device.Engine.StartActivity(ChildDevice.App("com.unknown.app")).Reason);
    }

    [Fact]
    public void The_games_budget_ends_games_while_reading_goes_on_within_the_daily_total()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        var stop = device.Use(Game, TimeSpan.FromMinutes(40)).Ticks.Last();

        Assert.Equal(DecisionReason.CategoryBudget, stop.Reason);
        Assert.Equal(30u * 60, device.Engine.State.CategoryUsedSeconds[1]);
        var reading = device.Engine.StartActivity(ChildDevice.App(Reader));
        Assert.True(reading.IsAllowed);
        Assert.Equal(30, reading.MinutesLeft);
    }

    [Fact]
    public void Education_is_exempt_from_the_daily_total()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 08:00");
        device.Use(ClassApp, TimeSpan.FromMinutes(90));

        var reading = device.Engine.StartActivity(ChildDevice.App(Reader));

        Assert.Equal(0u, device.Engine.State.TotalUsedSeconds);
        Assert.Equal(40, reading.MinutesLeft);
    }

    [Fact]
    public void A_guardian_exempted_app_runs_after_the_budget_and_in_curfew()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 21:00");
        device.Use(Reader, TimeSpan.FromMinutes(41));
        device.Wait(TimeSpan.FromMinutes(60));

        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.True(device.Engine.StartActivity(ChildDevice.App(Maps)).IsAllowed);
    }

    [Fact]
    public void Idle_time_beyond_the_idle_timeout_is_not_counted()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        device.Engine.StartActivity(ChildDevice.App(Reader));

        device.Play(TimeSpan.FromMinutes(10), interacting: false);

        Assert.Equal(120u, device.Engine.State.TotalUsedSeconds);
    }

    [Fact]
    public void Idle_time_is_not_counted_even_when_the_policy_has_no_rest_rule()
    {
        var policy = ForAge(10);
        policy.ContinuousUse = null;
        var device = new ChildDevice(policy, "2026-11-30 16:00");
        device.Engine.StartActivity(ChildDevice.App(Reader));

        device.Play(TimeSpan.FromMinutes(10), interacting: false);

        Assert.Equal(PolicyEngine.DefaultIdleTimeoutSeconds, device.Engine.State.TotalUsedSeconds);
    }

    [Fact]
    public void Warnings_come_once_each_at_5_and_1_minutes_left()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 16:00");
        device.Engine.StartActivity(ChildDevice.App(Reader));

        var ticks = device.Play(TimeSpan.FromMinutes(41));

        Assert.Equal([5, 1], ticks.Where(t => t.Action == AccountingAction.Warn).Select(t => t.MinutesLeft));
    }

    [Fact]
    public void Curfew_window_crossing_midnight_blocks_at_23_30_and_05_30_but_not_06_30()
    {
        var policy = ForAge(12);
        policy.AllowedWindows.Clear();
        policy.AllowedWindows.Add(new SmartTerminal.Contracts.Device.V1.TimeWindow { WeekdayMask = 0x7F, StartMinute = 6 * 60, EndMinute = 21 * 60 });
        var device = new ChildDevice(policy, "2026-11-30 23:30");
        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);

        device.Wait(TimeSpan.FromHours(6));
        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);

        device.Wait(TimeSpan.FromHours(1));
        Assert.True(device.Engine.StartActivity(ChildDevice.App(Reader)).IsAllowed);
    }

    [Fact]
    public void Two_windows_a_day_and_a_late_weekend_window_crossing_midnight()
    {
        var policy = ForAge(12);
        policy.AllowedWindows.Clear();
        policy.AllowedWindows.Add(new SmartTerminal.Contracts.Device.V1.TimeWindow { WeekdayMask = 0x1F, StartMinute = 7 * 60, EndMinute = 8 * 60 });
        policy.AllowedWindows.Add(new SmartTerminal.Contracts.Device.V1.TimeWindow { WeekdayMask = 0x1F, StartMinute = 16 * 60, EndMinute = 20 * 60 });
        // Saturday (bit 5) from 18:00 until 00:30 Sunday.
        policy.AllowedWindows.Add(new SmartTerminal.Contracts.Device.V1.TimeWindow { WeekdayMask = 0x20, StartMinute = 18 * 60, EndMinute = 30 });
        var friday = new ChildDevice(policy, "2026-12-04 12:00");
        var saturdayNight = new ChildDevice(policy, "2026-12-06 00:15");
        var sundayLate = new ChildDevice(policy, "2026-12-06 00:45");
        var mondayMorning = new ChildDevice(policy, "2026-11-30 07:30");

        Assert.Equal(DecisionReason.Curfew, friday.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        var night = saturdayNight.Engine.StartActivity(ChildDevice.App(Reader));
        Assert.True(night.IsAllowed);
        Assert.Equal(15, night.MinutesLeft);
        Assert.Equal(DecisionReason.Curfew, sundayLate.Engine.StartActivity(ChildDevice.App(Reader)).Reason);
        Assert.Equal(30, mondayMorning.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void Weekday_budgets_differ_and_a_new_day_resets_them_exactly_once()
    {
        var policy = ForAge(12);
        policy.DailyBudgetMinutes.Clear();
        policy.DailyBudgetMinutes.AddRange([60, 60, 60, 60, 60, 120, 120]);
        var device = new ChildDevice(policy, "2026-12-04 20:00");
        device.Use(Reader, TimeSpan.FromMinutes(70));
        Assert.Equal(DecisionReason.DailyBudget, device.Engine.StartActivity(ChildDevice.App(Reader)).Reason);

        device.Wait(TimeSpan.FromHours(12));

        Assert.Equal(120, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
        device.Engine.StopActivity();
        var dayStarts = device.Engine.State.Day;
        device.Wait(TimeSpan.FromHours(2));
        Assert.Equal(dayStarts, device.Engine.State.Day);
    }

    [Fact]
    public void Domains_are_blocked_with_their_subdomains_in_any_case()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        Assert.Equal(DecisionReason.Blocked, device.Engine.CheckDomain("casino.example").Reason);
        Assert.Equal(DecisionReason.Blocked, device.Engine.CheckDomain("www.Casino.Example.").Reason);
        Assert.Equal(DecisionReason.Blocked, device.Engine.CheckDomain("a.b.tracker.ads.example").Reason);
        Assert.True(device.Engine.CheckDomain("ads.example").IsAllowed);
        Assert.True(device.Engine.CheckDomain("notcasino.example").IsAllowed);
        Assert.Equal(DecisionReason.Blocked, device.Engine.CheckDomain("bücher.example").Reason);
    }

    [Fact]
    public void Allowlist_only_browsing_allows_listed_domains_and_their_subdomains_only()
    {
        var policy = ForAge(7);
        policy.DomainMode = SmartTerminal.Contracts.Device.V1.DomainMode.AllowlistOnly;
        policy.AllowedDomainHashes.AddRange(new[] { "kids.example", "school.example" }.Select(SmartTerminal.Device.Core.Hashing.Fnv1a.HashDomain).Order());
        var device = new ChildDevice(policy, "2026-11-30 16:00");

        Assert.True(device.Engine.CheckDomain("kids.example").IsAllowed);
        Assert.True(device.Engine.CheckDomain("maths.school.example").IsAllowed);
        Assert.Equal(DecisionReason.Blocked, device.Engine.CheckDomain("news.example").Reason);
    }

    [Fact]
    public void An_online_extension_applies_once_and_not_after_it_lapsed()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 17:00");
        device.Use(Reader, TimeSpan.FromMinutes(41));
        var endOfDay = ChildDevice.LocalToUnixMs("2026-12-01 00:00") / 1000;

        Assert.True(device.Engine.ApplyExtension(77, 20, 0, endOfDay));
        Assert.False(device.Engine.ApplyExtension(77, 20, 0, endOfDay));
        Assert.False(device.Engine.ApplyExtension(78, 20, 0, ChildDevice.LocalToUnixMs("2026-11-30 16:00") / 1000));

        Assert.Equal(20, device.Engine.StartActivity(ChildDevice.App(Reader)).MinutesLeft);
    }

    [Fact]
    public void A_leave_minor_mode_code_lifts_limits_for_its_minutes_only()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 22:30");
        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Game)).Reason);

        Assert.Equal(OfflineCodeResult.Accepted, device.Engine.RedeemOfflineCode(GuardianApp.LeaveCode(device.Engine.NowUnixMs, minutes: 30)));
        Assert.True(device.Engine.StartActivity(ChildDevice.App(Game)).IsAllowed);
        Assert.True(device.Engine.CheckDomain("casino.example").IsAllowed);

        device.Engine.StopActivity();
        device.Wait(TimeSpan.FromMinutes(31));
        Assert.Equal(DecisionReason.Curfew, device.Engine.StartActivity(ChildDevice.App(Game)).Reason);
    }

    [Fact]
    public void Wrong_codes_are_refused_and_five_wrong_codes_lock_code_entry_for_15_minutes()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 17:00");
        var good = GuardianApp.Code(device.Engine.NowUnixMs, extraMinutes: 10);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(OfflineCodeResult.Invalid, device.Engine.RedeemOfflineCode("010" + (12345670 + i).ToString()));
        }

        Assert.Equal(OfflineCodeResult.Locked, device.Engine.RedeemOfflineCode(good));
        device.Wait(TimeSpan.FromMinutes(16));
        Assert.Equal(OfflineCodeResult.Invalid, device.Engine.RedeemOfflineCode(good));
        Assert.Equal(OfflineCodeResult.Accepted, device.Engine.RedeemOfflineCode(GuardianApp.Code(device.Engine.NowUnixMs, extraMinutes: 10)));
    }

    [Fact]
    public void A_code_above_the_policys_largest_grant_or_malformed_is_refused()
    {
        var device = new ChildDevice(ForAge(7), "2026-11-30 17:00");

        Assert.Equal(OfflineCodeResult.Invalid, device.Engine.RedeemOfflineCode(GuardianApp.Code(device.Engine.NowUnixMs, extraMinutes: 300)));
        Assert.Equal(OfflineCodeResult.Invalid, device.Engine.RedeemOfflineCode("12ab5678901"));
        Assert.Equal(OfflineCodeResult.Invalid, device.Engine.RedeemOfflineCode(""));
    }
}
