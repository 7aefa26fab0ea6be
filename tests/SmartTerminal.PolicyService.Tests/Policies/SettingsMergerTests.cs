using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.PolicyService.Tests.Policies;

/// <summary>Resolving layers: what a lower layer sets wins; lists replace, except blocked domains (added) and per-key lists.</summary>
public sealed class SettingsMergerTests
{
    private static readonly PolicySettings Upper = new()
    {
        DailyMinutes = 60,
        MaxAgeRating = 12,
        TimeZone = "Asia/Shanghai",
        ContinuousUse = new ContinuousUseRule { LimitMinutes = 30, RestMinutes = 10 },
        AllowedWindows = { PolicyBoundsTests.Window(0x7F, 8 * 60, 20 * 60) },
        BlockedDomains = { "casino.example" },
        CategoryBudgets = { new CategoryBudget { Category = AppCategory.Games, DailyMinutes = 30 }, new CategoryBudget { Category = AppCategory.Video, DailyMinutes = 20 } },
        Apps = { new AppSetting { PackageName = "com.game", Access = AppAccess.Block }, new AppSetting { PackageName = "com.books", Access = AppAccess.Allow } },
    };

    [Fact]
    public void Without_a_lower_layer_the_upper_one_stands_as_a_copy()
    {
        var merged = SettingsMerger.Merge(Upper, null);

        Assert.Equal(Upper, merged);
        Assert.NotSame(Upper, merged);
    }

    [Fact]
    public void A_scalar_the_lower_layer_sets_wins_and_one_it_leaves_unset_stays()
    {
        var merged = SettingsMerger.Merge(Upper, new PolicySettings { DailyMinutes = 45 });

        Assert.Equal((45u, 12u, "Asia/Shanghai"), (merged.DailyMinutes, merged.MaxAgeRating, merged.TimeZone));
    }

    [Fact]
    public void A_list_the_lower_layer_gives_replaces_the_upper_one_and_an_empty_one_keeps_it()
    {
        var replaced = SettingsMerger.Merge(Upper, new PolicySettings { AllowedWindows = { PolicyBoundsTests.Window(0x1F, 16 * 60, 19 * 60) } });
        var kept = SettingsMerger.Merge(Upper, new PolicySettings());

        Assert.Equal([PolicyBoundsTests.Window(0x1F, 16 * 60, 19 * 60)], replaced.AllowedWindows);
        Assert.Equal(Upper.AllowedWindows, kept.AllowedWindows);
    }

    [Fact]
    public void Blocked_domains_add_up_across_layers_once_whatever_their_case()
    {
        var merged = SettingsMerger.Merge(Upper, new PolicySettings { BlockedDomains = { "CASINO.example", "bets.example" } });

        Assert.Equal(["casino.example", "bets.example"], merged.BlockedDomains);
    }

    [Fact]
    public void Category_budgets_and_app_rules_are_replaced_per_category_and_per_app()
    {
        var merged = SettingsMerger.Merge(Upper, new PolicySettings
        {
            CategoryBudgets = { new CategoryBudget { Category = AppCategory.Games, DailyMinutes = 10 } },
            Apps = { new AppSetting { PackageName = "com.game", Access = AppAccess.Allow } },
        });

        Assert.Equal([(AppCategory.Games, 10u), (AppCategory.Video, 20u)], merged.CategoryBudgets.Select(b => (b.Category, b.DailyMinutes)));
        Assert.Equal([("com.books", AppAccess.Allow), ("com.game", AppAccess.Allow)], merged.Apps.Select(a => (a.PackageName, a.Access)).Order());
    }

    [Fact]
    public void A_continuous_use_rule_is_replaced_whole_not_field_by_field()
    {
        var merged = SettingsMerger.Merge(Upper, new PolicySettings { ContinuousUse = new ContinuousUseRule { LimitMinutes = 20 } });

        Assert.Equal(new ContinuousUseRule { LimitMinutes = 20 }, merged.ContinuousUse);
    }
}
