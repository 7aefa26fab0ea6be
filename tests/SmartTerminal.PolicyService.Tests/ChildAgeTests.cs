using SmartTerminal.PolicyService.Registry;

namespace SmartTerminal.PolicyService.Tests;

/// <summary>Whole years from a birth month: the birthday counts from the first of its month.</summary>
public sealed class ChildAgeTests
{
    [Theory]
    [InlineData("2016-05", "2026-04-30", 9)]
    [InlineData("2016-05", "2026-05-01", 10)]
    [InlineData("2016-12", "2026-11-28", 9)]
    public void The_age_turns_in_the_birth_month(string birthMonth, string today, int age)
    {
        Assert.Equal(age, ChildAge.From(birthMonth, DateTime.Parse(today, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2016-13")]
    [InlineData("May 2016")]
    public void An_unknown_or_malformed_birth_month_has_no_age(string birthMonth)
    {
        Assert.Null(ChildAge.From(birthMonth, new DateTime(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc)));
    }
}
