using CsCheck;
using SmartTerminal.Device.Core.Enforcement;
using static SmartTerminal.Device.Core.Tests.Enforcement.TestPolicies;

namespace SmartTerminal.Device.Core.Tests.Enforcement;

/// <summary>
/// Property tests: random lives of a device (play, idle time, wall-clock changes, reboots, power cuts
/// with and without the RTC, trusted syncs) never yield more play than the budget allows.
/// </summary>
public sealed class TamperPropertyTests
{
    private const int BudgetSeconds = 40 * 60;

    private enum Kind
    {
        Play,
        Idle,
        WallJump,
        Reboot,
        PowerCut,
        Sync,
    }

    private sealed record Step(Kind Kind, int Amount, bool Flag)
    {
        public override string ToString() => $"{Kind}({Amount},{Flag})";
    }

    private static readonly Gen<Step> StepGen = Gen.OneOf(
        Gen.Int[1, 50].Select(m => new Step(Kind.Play, m, false)),
        Gen.Int[1, 900].Select(m => new Step(Kind.Idle, m, false)),
        Gen.Int[-72, 72].Select(h => new Step(Kind.WallJump, h, false)),
        Gen.Const(new Step(Kind.Reboot, 0, false)),
        Gen.Bool.Select(rtcLost => new Step(Kind.PowerCut, 0, rtcLost)),
        Gen.Const(new Step(Kind.Sync, 0, false)));

    private static readonly Gen<Step[]> LifeGen = StepGen.Array[5, 40];

    /// <summary>Plays out a life; returns the seconds of play allowed, keyed by the true local day.</summary>
    private static Dictionary<long, int> Live(Step[] life, bool syncAfterEveryBoot)
    {
        var policy = ForAge(7);
        policy.AllowedWindows.Clear();
        var device = new ChildDevice(policy, "2026-11-30 07:00");
        var played = new Dictionary<long, int>();
        foreach (var step in life)
        {
            switch (step.Kind)
            {
                case Kind.Play:
                    if (device.Engine.StartActivity(ChildDevice.App(Reader)).IsAllowed)
                    {
                        for (var second = 0; second < step.Amount * 60; second++)
                        {
                            device.Clock.Advance(TimeSpan.FromSeconds(1));
                            device.Engine.NoteInteraction();
                            var day = (device.Clock.TrueUnixMs / 1000 + (8 * 3600) - 1) / 86400;
                            played[day] = played.GetValueOrDefault(day) + 1;
                            if (device.Engine.Tick().Action == AccountingAction.Stop)
                            {
                                break;
                            }
                        }

                        device.Engine.StopActivity();
                    }

                    break;
                case Kind.Idle:
                    device.Wait(TimeSpan.FromMinutes(step.Amount));
                    break;
                case Kind.WallJump:
                    device.Clock.WallClockUnixMs += step.Amount * 3_600_000L;
                    device.Engine.Tick();
                    break;
                case Kind.Reboot:
                    device.Reboot();
                    break;
                case Kind.PowerCut:
                    device.PowerCut(step.Flag);
                    break;
                case Kind.Sync:
                    device.Engine.ApplyTimeSync(device.Clock.TrueUnixMs);
                    break;
            }

            if (syncAfterEveryBoot && step.Kind is Kind.Reboot or Kind.PowerCut)
            {
                device.Engine.ApplyTimeSync(device.Clock.TrueUnixMs);
            }
        }

        return played;
    }

    [Fact]
    public void Wall_clock_and_time_zone_changes_never_change_what_the_child_may_do()
    {
        LifeGen.Sample(life =>
        {
            var honest = Live([.. life.Where(s => s.Kind != Kind.WallJump)], syncAfterEveryBoot: false);
            var tampered = Live(life, syncAfterEveryBoot: false);

            Assert.Equal(honest.OrderBy(p => p.Key), tampered.OrderBy(p => p.Key));
        }, iter: 60);
    }

    [Fact]
    public void With_network_after_each_boot_no_true_day_gets_more_than_its_budget()
    {
        LifeGen.Sample(life =>
        {
            var played = Live(life, syncAfterEveryBoot: true);

            Assert.All(played, day => Assert.True(day.Value <= BudgetSeconds, $"day {day.Key}: {day.Value} s"));
        }, iter: 60);
    }

    [Fact]
    public void Without_network_no_sequence_of_reboots_and_power_cuts_yields_more_than_a_budget_per_day_lived()
    {
        LifeGen.Sample(life =>
        {
            var played = Live(life, syncAfterEveryBoot: false);
            if (played.Count == 0)
            {
                return;
            }

            var daysSpanned = played.Keys.Max() - played.Keys.Min() + 1;
            Assert.True(played.Values.Sum() <= BudgetSeconds * daysSpanned, $"{played.Values.Sum()} s over {daysSpanned} day(s)");
        }, iter: 60);
    }
}
