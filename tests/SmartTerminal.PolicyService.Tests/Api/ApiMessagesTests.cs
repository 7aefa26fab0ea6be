using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Api;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Policies;
using SmartTerminal.PolicyService.Registry;

namespace SmartTerminal.PolicyService.Tests.Api;

/// <summary>The mapping between domain records and API messages: nothing lost, nothing invented.</summary>
public sealed class ApiMessagesTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_123);

    [Fact]
    public void Every_rollout_phase_is_the_API_state_of_the_same_name_and_number()
    {
        foreach (var phase in Enum.GetValues<RolloutPhase>())
        {
            var message = new RolloutProgress("ro-1", "fl-1", 10, 5, 2, phase, At, null).ToMessage();

            Assert.Equal(phase.ToString(), message.State.ToString());
            Assert.Equal((int)phase, (int)message.State);
        }

        Assert.Equal(Enum.GetValues<RolloutState>().Length - 1, Enum.GetValues<RolloutPhase>().Length);
    }

    [Theory]
    [InlineData(PolicyRefusal.BadMac, "POLICY_REFUSAL_BAD_MAC")]
    [InlineData((PolicyRefusal)999, "999")]
    public void A_refusal_is_reported_by_the_device_enum_name_and_an_unknown_one_by_its_number(PolicyRefusal refusal, string expected)
    {
        var message = new DevicePolicyStatus("st-1", 3, At, 2, At, refusal).ToMessage();

        Assert.Equal(expected, message.LastRefusal);
    }

    [Fact]
    public void Absent_times_and_refusals_stay_unset_in_the_message()
    {
        var state = new DevicePolicyStatus("st-1", 3, At, 0, null, null).ToMessage();
        var child = new ChildDevice("st-1", "Mia", true, 0, null).ToMessage();
        var boxCode = new IssuedPairingCode("ABCDEFGH23", null).ToMessage();
        var rollout = new RolloutProgress("ro-1", "fl-1", 1, 0, 0, RolloutPhase.Queued, At, null).ToMessage();

        Assert.Null(state.LastReportAt);
        Assert.Equal(string.Empty, state.LastRefusal);
        Assert.Null(child.LastSeenAt);
        Assert.Null(boxCode.ExpiresAt);
        Assert.Null(rollout.CompletedAt);
        Assert.Equal(At, state.DesiredSince.ToDateTimeOffset());
    }

    [Fact]
    public void A_checkpoint_handed_back_by_an_auditor_keeps_its_millisecond_time_and_signature()
    {
        var signed = new SignedCheckpoint(42, "ab12", At, [1, 2, 3]);

        var back = signed.ToMessage().ToDomain();

        Assert.Equal(signed.Sequence, back.Sequence);
        Assert.Equal(signed.HeadHash, back.HeadHash);
        Assert.Equal(At, back.At);
        Assert.Equal(signed.Signature, back.Signature);
        Assert.Null(new AuditCheckpoint { Sequence = 1, HeadHash = "x" }.ToDomain().At);
    }

    [Fact]
    public void A_day_of_usage_beyond_the_wire_field_is_capped_not_wrapped()
    {
        var row = new Telemetry.DailyUsage(new DateOnly(2026, 12, 2), 0, (long)uint.MaxValue + 10).ToMessage();

        Assert.Equal("2026-12-02", row.Day);
        Assert.Equal(uint.MaxValue, row.UsedSeconds);
    }
}
