using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.Compliance;
using SmartTerminal.WebConsole.Fleets;

namespace SmartTerminal.Console.Tests;

/// <summary>The manufacturer's and the auditor's form models alone: what a query or a post turns into.</summary>
public sealed class FormModelTests
{
    [Fact]
    public void An_export_covers_whole_local_days_of_the_chosen_zone()
    {
        var form = new ExportForm { Kind = "DailyUsage", FleetId = " fl-1 ", FromDay = "2026-11-01", ToDay = "2026-11-07", TimeZone = "Asia/Shanghai" };

        var request = form.Request(out var errors);

        Assert.Empty(errors);
        Assert.Equal(ExportKind.DailyUsage, request!.Kind);
        Assert.Equal("fl-1", request.FleetId);
        // Shanghai midnight is 16:00 UTC the day before; the last day is included.
        Assert.Equal(new DateTimeOffset(2026, 10, 31, 16, 0, 0, TimeSpan.Zero), request.From.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 11, 7, 16, 0, 0, TimeSpan.Zero), request.To.ToDateTimeOffset());
        Assert.Equal("Asia/Shanghai", request.TimeZone);
    }

    [Fact]
    public void A_wrong_export_form_is_answered_per_field_and_the_audit_log_needs_no_fleet()
    {
        Assert.Null(new ExportForm { Kind = "Nonsense", FromDay = "2026-11-07", ToDay = "2026-11-01", TimeZone = "Mars/Olympus" }.Request(out var errors));
        Assert.Equal(["kind", "zone", "from-day", "fleet"], errors.Keys);

        var audit = new ExportForm { Kind = "AuditLog", FromDay = "2026-11-01", ToDay = "2026-11-01", TimeZone = "Etc/UTC" }.Request(out var none);
        Assert.Empty(none);
        Assert.Equal(string.Empty, audit!.FleetId);
        Assert.Equal(TimeSpan.FromDays(1), audit.To.ToDateTimeOffset() - audit.From.ToDateTimeOffset());
    }

    [Theory]
    [InlineData(null, null, 0, "")]
    [InlineData(-3, "POLICY_REFUSAL_BAD_MAC", 0, "POLICY_REFUSAL_BAD_MAC")]
    [InlineData(48, "BAD_MAC", 48, "")]
    [InlineData(99_999, "POLICY_REFUSAL_NONE", 0, "POLICY_REFUSAL_NONE")]
    public void A_lagging_filter_from_the_address_keeps_only_what_it_understands(int? hours, string? reason, int expectedHours, string expectedReason)
    {
        var filter = LaggingFilter.From(hours, reason);

        Assert.Equal((expectedHours, expectedReason), (filter.MinLagHours, filter.Reason));
        var request = filter.Request("fl-1", 50, "100");
        Assert.Equal((uint)expectedHours * 3600, request.MinLagSeconds);
        Assert.Equal(expectedReason.Length > 0, request.HasLastRefusal);
    }
}
