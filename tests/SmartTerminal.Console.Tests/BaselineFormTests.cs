using Grpc.Core;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.WebConsole.Fleets.Baseline;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.Console.Tests;

/// <summary>The baseline editor's model alone: what a post turns into, what the review lists, how a refusal maps back.</summary>
public sealed class BaselineFormTests
{
    private static readonly RegulationProfile Profile = new()
    {
        Id = "p",
        AgeBands =
        {
            new AgeBandPolicy { MinAge = 0, MaxAge = 8, Limits = new PolicyLimits { MaxAgeRating = 7 } },
            new AgeBandPolicy { MinAge = 8, MaxAge = 12, Limits = new PolicyLimits { MaxAgeRating = 12, MaxPerTransactionCap = 5000 } },
        },
    };

    // Stored: the 8-12 band with a curfew the editor does not show, and a default daily time.
    private static readonly Baseline Stored = new()
    {
        Revision = 4,
        AgeBands =
        {
            new AgeBandPolicy
            {
                MinAge = 8,
                MaxAge = 12,
                Defaults = new PolicySettings { DailyMinutes = 45 },
                Limits = new PolicyLimits { RequiredCurfews = { new Wire.TimeWindow { WeekdayMask = 127, StartMinute = 1260, EndMinute = 420 } } },
            },
        },
    };

    private static int Field(string key) => BaselineField.All.ToList().FindIndex(f => f.Key == key);

    [Fact]
    public void The_form_starts_from_the_stored_baseline_with_blanks_where_the_profile_decides()
    {
        var form = BaselineForm.From(Stored, Profile);

        Assert.Equal(4ul, form.Revision);
        Assert.Equal([(0u, 8u), (8u, 12u)], form.Bands.Select(b => (b.MinAge, b.MaxAge)));
        Assert.All(form.Bands[0].Values, Assert.Null);
        Assert.Equal("45", form.Bands[1].Values[Field("daily")]);
        Assert.Null(form.Bands[1].Values[Field("max-daily")]);
    }

    [Fact]
    public void Applying_the_form_keeps_what_it_does_not_show_and_drops_bands_left_entirely_to_the_profile()
    {
        var form = BaselineForm.From(Stored, Profile);
        form.Bands[1].Values[Field("daily")] = " ";
        form.Bands[1].Values[Field("max-per-purchase")] = "12.5";
        form.Bands[1].Values[Field("max-age-rating")] = "10";

        var bands = form.Apply(Stored, Profile, out var errors);

        Assert.Empty(errors);
        var (shown, band) = Assert.Single(bands);
        Assert.Equal(1, shown);
        Assert.False(band.Defaults.HasDailyMinutes);
        Assert.Equal((1250u, 10u), (band.Limits.MaxPerTransactionCap, band.Limits.MaxAgeRating));
        Assert.Equal(1260u, Assert.Single(band.Limits.RequiredCurfews).StartMinute);
        // The stored baseline itself is not changed by applying a form to it.
        Assert.Equal(45u, Stored.AgeBands[0].Defaults.DailyMinutes);

        var changes = BaselineChanges.Between(Stored, bands.Select(b => b.Band), Profile);
        Assert.Equal(
            [("daily", 45u, (uint?)null), ("max-age-rating", (uint?)null, 10u), ("max-per-purchase", (uint?)null, 1250u)],
            changes.Select(c => (c.Field.Key, c.Before, c.After)));
    }

    [Theory]
    [InlineData("max-per-purchase", "12.345", "BaselineNotAnAmount")]
    [InlineData("max-per-purchase", "-1", "BaselineNotAnAmount")]
    [InlineData("max-per-purchase", "1e3", "BaselineNotAnAmount")]
    [InlineData("max-daily", "9.5", "RulesNotANumber")]
    [InlineData("max-daily", "٩٠", "RulesNotANumber")]
    [InlineData("max-daily", "99999999999", "RulesNotANumber")]
    public void A_value_that_is_not_a_number_or_an_amount_is_named_by_its_field(string key, string typed, string message)
    {
        var form = BaselineForm.From(null, Profile);
        form.Bands[1].Values[Field(key)] = typed;

        form.Apply(null, Profile, out var errors);

        Assert.Equal(message, Assert.Single(errors, e => e.Key == $"band-1-{key}").Value);
    }

    [Fact]
    public void The_fingerprint_tells_a_reviewed_change_from_any_other()
    {
        var form = BaselineForm.From(Stored, Profile);
        var reviewed = BaselineForm.Fingerprint(form.Apply(Stored, Profile, out _).Select(b => b.Band));
        Assert.Equal(reviewed, BaselineForm.Fingerprint(form.Apply(Stored, Profile, out _).Select(b => b.Band)));

        form.Bands[1].Values[Field("daily")] = "46";
        Assert.NotEqual(reviewed, BaselineForm.Fingerprint(form.Apply(Stored, Profile, out _).Select(b => b.Band)));
    }

    [Fact]
    public void A_refusal_names_the_shown_band_even_when_bands_before_it_were_left_out_of_the_request()
    {
        var badRequest = new Google.Rpc.BadRequest
        {
            FieldViolations =
            {
                new Google.Rpc.BadRequest.Types.FieldViolation { Field = "age_bands[0].limits.max_age_rating", Description = "looser" },
                new Google.Rpc.BadRequest.Types.FieldViolation { Field = "age_bands[0].limits.required_curfews[0]", Description = "bad window" },
                new Google.Rpc.BadRequest.Types.FieldViolation { Field = "age_bands[7].limits.max_age_rating", Description = "no such band" },
            },
        };
        var status = new Google.Rpc.Status { Code = (int)StatusCode.InvalidArgument, Message = "invalid", Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) } };
        var refusal = status.ToRpcException();

        // Only the second shown band (index 1) went into the request.
        var (fields, others) = RefusedBaseline.From(refusal, [1]);

        Assert.Equal(["band-1-max-age-rating"], fields);
        Assert.Equal(["age_bands[0].limits.required_curfews[0]", "age_bands[7].limits.max_age_rating"], others);
    }

    [Fact]
    public void A_post_without_bands_or_with_gaps_binds_as_no_values_not_as_a_crash()
    {
        var form = new BaselineForm { Bands = null!, Revision = 4 };
        Assert.Empty(form.Bands);
        form.Bands = [null!, new BandForm { MinAge = 8, MaxAge = 12, Values = null! }];

        var bands = form.Apply(Stored, Profile, out var errors);

        Assert.Empty(errors);
        Assert.Equal(new BandForm().Values, form.Bands.Single().Values);
        // Blank everywhere: only what the form does not show stays (the stored curfew).
        Assert.Equal(1260u, Assert.Single(bands).Band.Limits.RequiredCurfews.Single().StartMinute);
        var days = new SmartTerminal.WebConsole.Guardians.Rules.RulesForm { WeekdayMinutes = null! }.WeekdayMinutes;
        Assert.Equal(7, days.Count);
        Assert.All(days, Assert.Null);
    }
}
