using SmartTerminal.Device.Core.Enforcement;
using static SmartTerminal.Device.Core.Tests.Enforcement.TestPolicies;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>Asking a guardian from the watch, and what an answer does there.</summary>
public sealed class GuardianRequestTests
{
    private const int NeedsGuardian = (int)Wire.EnforcementEventKind.NeedsGuardian;

    [Fact]
    public void Asking_for_more_time_records_one_request_per_press_burst_with_the_minutes_capped()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");

        Assert.True(device.Engine.AskForMoreTime(0, 30));
        Assert.True(device.Engine.AskForMoreTime(0, 30));
        device.Wait(TimeSpan.FromSeconds(61));
        Assert.True(device.Engine.AskForMoreTime(1, 5_000));

        var asked = device.Events.Events.Where(e => e.Kind == NeedsGuardian).ToList();
        Assert.Equal(
            [((int)DecisionReason.DailyBudget, 0u, 30L), ((int)DecisionReason.CategoryBudget, 1u, (long)PolicyEngine.MaxMinutesAsked)],
            asked.Select(e => (e.Reason, e.Subject, e.Detail)));
        Assert.False(device.Engine.AskForMoreTime(16, 15));
        Assert.False(device.Engine.AskForMoreTime(0, 0));
    }

    [Fact]
    public void An_approved_purchase_lets_one_purchase_of_at_most_that_amount_through_for_a_while()
    {
        var device = new ChildDevice(ForAge(12), "2026-11-30 16:00");
        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPurchase(6_000).Kind);
        var asked = device.Events.Events.Last(e => e.Kind == NeedsGuardian);

        Assert.True(device.Engine.ApplyAnswer(asked.AtUnix, (uint)asked.Reason, asked.Subject, approved: true));

        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPurchase(7_000).Kind);
        Assert.True(device.Engine.CheckPurchase(6_000).IsAllowed);
        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPurchase(6_000).Kind);
        Assert.Equal(1, device.Engine.LastAnswer);

        // A second approval unused for longer than the window lapses.
        device.Engine.ApplyAnswer(asked.AtUnix, (uint)asked.Reason, asked.Subject, approved: true);
        device.Wait(TimeSpan.FromMilliseconds(PolicyEngine.ApprovalWindowMs + 1_000));
        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPurchase(6_000).Kind);
    }

    [Fact]
    public void An_approved_permission_works_for_the_window_a_declined_one_not_at_all()
    {
        var device = new ChildDevice(ForAge(10), "2026-11-30 16:00");
        var at = device.Engine.NowUnixMs / 1000;

        device.Engine.ApplyAnswer(at, (uint)DecisionReason.Permission, (uint)Permission.Microphone, approved: false);
        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPermission(Permission.Microphone).Kind);
        Assert.Equal(2, device.Engine.LastAnswer);

        device.Engine.ApplyAnswer(at, (uint)DecisionReason.Permission, (uint)Permission.Camera, approved: true);
        Assert.True(device.Engine.CheckPermission(Permission.Camera).IsAllowed);
        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPermission(Permission.Microphone).Kind);
        device.Wait(TimeSpan.FromMilliseconds(PolicyEngine.ApprovalWindowMs));
        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPermission(Permission.Camera).Kind);
    }

    [Fact]
    public void An_answer_to_a_request_older_than_a_day_is_ignored()
    {
        var device = new ChildDevice(ForAge(12), "2026-11-30 16:00");
        var dayAndMinuteAgo = (device.Engine.NowUnixMs - PolicyEngine.AnswerValidMs - 60_000) / 1000;

        Assert.False(device.Engine.ApplyAnswer(dayAndMinuteAgo, (uint)DecisionReason.SpendingCap, 50_000, approved: true));

        Assert.Equal(DecisionKind.NeedsGuardian, device.Engine.CheckPurchase(6_000).Kind);
        Assert.Equal(0, device.Engine.LastAnswer);
    }
}
