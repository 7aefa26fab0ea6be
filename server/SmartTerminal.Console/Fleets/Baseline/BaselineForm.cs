using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;
using StoredBaseline = SmartTerminal.Contracts.Api.V1.Baseline;

namespace SmartTerminal.WebConsole.Fleets.Baseline;

/// <summary>
/// The baseline editor as posted: per age band of the fleet's profile the values as typed (so a wrong
/// entry is answered next to its field and not lost), the revision it was read at, and what the
/// manufacturer reviewed before publishing. A blank value leaves it to the national profile.
/// </summary>
public sealed class BaselineForm
{
    public const string Review = "review";
    public const string Publish = "publish";

    /// <summary>The baseline revision the form was filled from (0: none stored): a change by someone else in between is refused.</summary>
    public ulong Revision { get; set; }

    /// <summary>Which button was pressed: <see cref="Review"/> or <see cref="Publish"/>.</summary>
    public string? Step { get; set; }

    /// <summary>The fingerprint of the change the manufacturer reviewed; publishing anything else shows the review again.</summary>
    public string? Reviewed { get; set; }

    /// <summary>
    /// In the profile's band order. A post without them, or with gaps in their indices (not what the page
    /// sends, but anyone can post anything), binds as null: kept as an empty list and null entries dropped.
    /// </summary>
    public List<BandForm> Bands
    {
        get => _bands;
        set => _bands = value is null ? [] : [.. value.Where(b => b is not null)];
    }

    private List<BandForm> _bands = [];

    /// <summary>The form filled with the stored baseline (blank where it leaves a value to the profile).</summary>
    public static BaselineForm From(StoredBaseline? stored, RegulationProfile profile) => new()
    {
        Revision = stored?.Revision ?? 0,
        Bands = [.. profile.AgeBands.Select(band =>
        {
            var storedBand = Find(stored, band);
            return new BandForm
            {
                MinAge = band.MinAge,
                MaxAge = band.MaxAge,
                Values = [.. BaselineField.All.Select(f => Text(f, f.Read(storedBand)))],
            };
        })],
    };

    /// <summary>
    /// The baseline's bands with the form applied, in the profile's order, with the index of the shown
    /// band each came from (the service names violations by the request's index); or the entries that
    /// are not whole numbers (field id to message key). Bounds are the service's to check.
    /// </summary>
    public IReadOnlyList<(int Shown, AgeBandPolicy Band)> Apply(StoredBaseline? stored, RegulationProfile profile, out Dictionary<string, string> inputErrors)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var bands = new List<(int, AgeBandPolicy)>();
        for (var i = 0; i < profile.AgeBands.Count; i++)
        {
            var profileBand = profile.AgeBands[i];
            var band = Find(stored, profileBand)?.Clone() ?? new AgeBandPolicy { MinAge = profileBand.MinAge, MaxAge = profileBand.MaxAge };
            var typed = Bands.FirstOrDefault(b => b.MinAge == profileBand.MinAge && b.MaxAge == profileBand.MaxAge);
            for (var f = 0; f < BaselineField.All.Count; f++)
            {
                var field = BaselineField.All[f];
                field.Write(band, Value(field, typed?.Values.ElementAtOrDefault(f), field.Id(i), errors));
            }

            if (HasAny(band))
            {
                bands.Add((i, band));
            }
        }

        inputErrors = errors;
        return bands;
    }

    /// <summary>A short fingerprint of a set of bands, to tell whether what is published is what was reviewed.</summary>
    public static string Fingerprint(IEnumerable<AgeBandPolicy> bands)
    {
        var message = new SetBaselineRequest();
        message.AgeBands.AddRange(bands);
        return Convert.ToHexStringLower(SHA256.HashData(message.ToByteArray()))[..16];
    }

    public static AgeBandPolicy? Find(StoredBaseline? baseline, AgeBandPolicy profileBand) =>
        baseline?.AgeBands.FirstOrDefault(b => b.MinAge == profileBand.MinAge && b.MaxAge == profileBand.MaxAge);

    /// <summary>A value as the form shows it (yuan for money).</summary>
    public static string? Text(BaselineField field, uint? value) => value is { } v
        ? (field.Unit == BaselineUnit.Yuan ? v / 100m : v).ToString(CultureInfo.InvariantCulture)
        : null;

    private static uint? Value(BaselineField field, string? text, string id, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (field.Unit == BaselineUnit.Yuan)
        {
            if (decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var yuan) && yuan <= 1_000_000 && decimal.Round(yuan, 2) == yuan)
            {
                return (uint)(yuan * 100);
            }

            errors[id] = "BaselineNotAnAmount";
            return null;
        }

        if (uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 1_000_000)
        {
            return value;
        }

        errors[id] = "RulesNotANumber";
        return null;
    }

    private static bool HasAny(AgeBandPolicy band) =>
        (band.Defaults is { } d && d.CalculateSize() > 0) || (band.Limits is { } l && l.CalculateSize() > 0);
}

/// <summary>One age band's values as typed, in <see cref="BaselineField.All"/>'s order.</summary>
public sealed class BandForm
{
    private List<string?> _values = [];

    public uint MinAge { get; set; }

    public uint MaxAge { get; set; }

    public List<string?> Values
    {
        get => _values;
        set => _values = value ?? [];
    }
}
