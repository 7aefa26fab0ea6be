using SmartTerminal.Device.Core.Enforcement;
using static SmartTerminal.Device.Core.Tests.Enforcement.TestPolicies;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>
/// Use without touches: a video playing counts as use (and toward the rest reminder and the budget)
/// when the head reports it as ongoing; a screen left alone still does not.
/// </summary>
public sealed class PassiveUseTests
{
    [Fact]
    public void An_hour_of_video_without_a_touch_reaches_the_rest_reminder_and_the_daily_budget()
    {
        // Ten years old under the CN defaults: 60 minutes a day, a rest reminder after 30.
        var device = new ChildDevice(ForAge(10), "2026-11-30 15:00");
        device.Engine.StartActivity(ChildDevice.App(Video));
        device.Engine.SetOngoing(true);

        var ticks = device.Play(TimeSpan.FromMinutes(70), interacting: false);

        Assert.Contains(ticks, t => t.Action == AccountingAction.RestReminder);
        var stop = ticks.Last();
        Assert.Equal(AccountingAction.Stop, stop.Action);
        Assert.Equal(DecisionReason.DailyBudget, stop.Reason);
        Assert.Equal(60u * 60, device.Engine.State.TotalUsedSeconds);
    }

    [Fact]
    public void The_same_hour_not_reported_as_ongoing_counts_only_until_the_idle_timeout()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 15:00");
        device.Engine.StartActivity(ChildDevice.App(Video));

        var ticks = device.Play(TimeSpan.FromMinutes(60), interacting: false);

        Assert.DoesNotContain(ticks, t => t.Action is AccountingAction.Stop or AccountingAction.RestReminder);
        Assert.InRange(device.Engine.State.TotalUsedSeconds, 1u, 120u);
    }

    [Fact]
    public void When_playback_ends_the_idle_timeout_starts_from_that_moment()
    {
        var device = new ChildDevice(ForAge(15), "2026-11-30 15:00");
        device.Engine.StartActivity(ChildDevice.App(Video));
        device.Engine.SetOngoing(true);
        device.Play(TimeSpan.FromMinutes(10), interacting: false);

        device.Engine.SetOngoing(false);
        device.Play(TimeSpan.FromMinutes(10), interacting: false);

        // Ten minutes of playback, then the idle timeout's two minutes; the rest of the screen time is idle.
        Assert.InRange(device.Engine.State.TotalUsedSeconds, (10u * 60) + 110, (12u * 60) + 5);
        Assert.False(device.Engine.IsActivityOngoing);
    }

    [Fact]
    public void A_new_activity_is_not_ongoing_until_the_head_says_so_again()
    {
        var device = new ChildDevice(ForAge(15), "2026-11-30 15:00");
        device.Engine.StartActivity(ChildDevice.App(Video));
        device.Engine.SetOngoing(true);

        device.Engine.StartActivity(ChildDevice.App(Reader));

        Assert.False(device.Engine.IsActivityOngoing);
        device.Engine.SetOngoing(true);
        Assert.True(device.Engine.IsActivityOngoing);
        device.Engine.StopActivity();
        Assert.False(device.Engine.IsActivityOngoing);
    }
}
