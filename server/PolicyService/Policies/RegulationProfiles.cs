using Google.Protobuf;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// The regulation profiles the service knows: data files in Policies/Profiles (protobuf JSON of
/// <see cref="RegulationProfile"/>), embedded in the assembly. Numbers are profile defaults, not code.
/// </summary>
public sealed class RegulationProfiles
{
    private readonly Dictionary<string, RegulationProfile> _profiles;

    public RegulationProfiles()
    {
        var assembly = typeof(RegulationProfiles).Assembly;
        var parser = new JsonParser(JsonParser.Settings.Default);
        _profiles = assembly.GetManifestResourceNames()
            .Where(name => name.Contains(".Policies.Profiles.", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal))
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return parser.Parse<RegulationProfile>(reader.ReadToEnd());
            })
            .ToDictionary(p => p.Id, StringComparer.Ordinal);
    }

    public IEnumerable<RegulationProfile> All => _profiles.Values.OrderBy(p => p.Id, StringComparer.Ordinal);

    public RegulationProfile? Find(string id) => _profiles.GetValueOrDefault(id);

    /// <summary>The band for an age; the youngest (strictest) band when the age is unknown.</summary>
    public static int BandIndex(RegulationProfile profile, int? age)
    {
        if (age is null)
        {
            return 0;
        }

        for (var i = 0; i < profile.AgeBands.Count; i++)
        {
            if (age >= profile.AgeBands[i].MinAge && age < profile.AgeBands[i].MaxAge)
            {
                return i;
            }
        }

        return age < profile.AgeBands[0].MinAge ? 0 : profile.AgeBands.Count - 1;
    }
}
