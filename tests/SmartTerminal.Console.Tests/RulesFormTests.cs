using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.Guardians.Rules;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>The rules form model alone: what a post turns into, and what it must not touch.</summary>
public sealed class RulesFormTests
{
    private static PolicySettings SetThroughTheApi() => new()
    {
        DailyMinutes = 60,
        MaxAgeRating = 8,
        StrangerMessagesAllowed = false,
        Apps = { new AppSetting { PackageName = "com.kids.casino", Access = Wire.AppAccess.Block } },
        Contacts = { new ContactSetting { Number = "+86 138 0000 0001", DisplayName = "Mum", Role = Wire.ContactRole.Guardian } },
        BlockedDomains = { "casino.example" },
        AllowedWindows =
        {
            new Wire.TimeWindow { WeekdayMask = 0x1F, StartMinute = 7 * 60, EndMinute = 20 * 60 },
            new Wire.TimeWindow { WeekdayMask = 0x60, StartMinute = 8 * 60, EndMinute = 21 * 60 },
        },
    };

    [Fact]
    public void Saving_the_form_unchanged_keeps_what_it_does_not_show_and_what_it_shows()
    {
        var stored = SetThroughTheApi();
        var form = RulesForm.From(new GuardianSettings { Revision = 4, Settings = stored });

        var saved = form.Apply(stored, out var errors);

        Assert.Empty(errors);
        Assert.Equal(4ul, form.Revision);
        Assert.Equal(stored, saved);
        Assert.Equal(2, RulesForm.CustomWindows(stored));
    }

    [Fact]
    public void A_blank_field_inherits_and_a_filled_span_replaces_the_custom_windows()
    {
        var stored = SetThroughTheApi();
        var form = RulesForm.From(new GuardianSettings { Settings = stored });
        form.DailyMinutes = " ";
        form.MaxAgeRating = string.Empty;
        form.StrangerMessages = string.Empty;
        form.AllowedFrom = "06:30";
        form.AllowedTo = "00:00";
        form.PerPurchaseYuan = "20";

        var saved = form.Apply(stored, out var errors);

        Assert.Empty(errors);
        Assert.False(saved.HasDailyMinutes);
        Assert.False(saved.HasMaxAgeRating);
        Assert.False(saved.HasStrangerMessagesAllowed);
        Assert.Equal(2000u, saved.PerTransactionCap);
        var window = Assert.Single(saved.AllowedWindows);
        Assert.Equal((0x7Fu, 390u, 1440u), (window.WeekdayMask, window.StartMinute, window.EndMinute));
        Assert.Equal(stored.Apps, saved.Apps);
    }

    [Fact]
    public void Typos_are_answered_per_field_without_a_call_to_the_service()
    {
        var form = new RulesForm
        {
            DailyMinutes = "六十",
            ContinuousMinutes = "-5",
            AllowedFrom = "25:00",
            AllowedTo = "21:00",
            WeekdayMinutes = ["45", null, null, null, null, null, null],
        };

        form.Apply(new PolicySettings(), out var errors);

        Assert.Equal("RulesNotANumber", errors[RuleFields.Daily]);
        Assert.Equal("RulesNotANumber", errors[RuleFields.Continuous]);
        Assert.Equal("RulesNotATime", errors[RuleFields.Allowed]);
        // With no daily value a blank day has nothing to take.
        Assert.Equal("RulesDayNeedsDaily", errors[RuleFields.Weekday(1)]);
        Assert.False(errors.ContainsKey(RuleFields.Weekday(0)));
    }

    [Theory]
    [InlineData("settings.daily_minutes", RuleFields.Daily)]
    [InlineData("settings.weekday_daily_minutes[3]", "weekday-3")]
    [InlineData("settings.weekday_daily_minutes", "weekday-0")]
    [InlineData("settings.allowed_windows[0].end_minute", RuleFields.Allowed)]
    [InlineData("settings.continuous_use.limit_minutes", RuleFields.Continuous)]
    [InlineData("settings.per_transaction_cap", RuleFields.PerPurchase)]
    [InlineData("settings.apps[0].package_name", null)]
    [InlineData("settings.weekday_daily_minutes[9]", null)]
    public void A_service_field_path_is_shown_on_the_form_field_it_names(string path, string? field) =>
        Assert.Equal(field, RuleFields.FromServicePath(path));
}
