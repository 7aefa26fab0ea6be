using Google.Protobuf;
using Microsoft.Extensions.Options;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>Where extra regulation profiles come from.</summary>
public sealed class ProfileOptions
{
    public const string Section = "Profiles";

    /// <summary>
    /// A folder of profile files (protobuf JSON of RegulationProfile, *.json) loaded after the built-in
    /// ones: a file with a built-in id replaces it. Lets a manufacturer add a jurisdiction, or follow a
    /// regulator's change, without a new service build.
    /// </summary>
    public string? Directory { get; set; }
}

/// <summary>
/// The regulation profiles the service knows: data files in Policies/Profiles (protobuf JSON of
/// <see cref="RegulationProfile"/>), embedded in the assembly, plus those of <see cref="ProfileOptions.Directory"/>.
/// Numbers are profile defaults, not code. A file that does not parse or whose age bands are not in
/// order stops the service at start, naming the file.
/// </summary>
public sealed class RegulationProfiles
{
    private readonly Dictionary<string, RegulationProfile> _profiles = new(StringComparer.Ordinal);

    public RegulationProfiles(IOptions<ProfileOptions> options)
    {
        var assembly = typeof(RegulationProfiles).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.Contains(".Policies.Profiles.", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            Add(name, reader.ReadToEnd());
        }

        var folder = options.Value.Directory;
        if (!string.IsNullOrEmpty(folder))
        {
            if (!System.IO.Directory.Exists(folder))
            {
                throw new InvalidOperationException($"Profiles:Directory '{folder}' does not exist");
            }

            foreach (var file in System.IO.Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                Add(file, File.ReadAllText(file));
            }
        }
    }

    public IEnumerable<RegulationProfile> All => _profiles.Values.OrderBy(p => p.Id, StringComparer.Ordinal);

    public RegulationProfile? Find(string id) => _profiles.GetValueOrDefault(id);

    private void Add(string source, string json)
    {
        RegulationProfile profile;
        try
        {
            profile = new JsonParser(JsonParser.Settings.Default).Parse<RegulationProfile>(json);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidOperationException($"regulation profile {source} does not parse: {e.Message}", e);
        }
        catch (InvalidJsonException e)
        {
            throw new InvalidOperationException($"regulation profile {source} is not valid JSON: {e.Message}", e);
        }

        var bandsInOrder = profile.AgeBands.Count > 0
            && profile.AgeBands.All(b => b.MinAge < b.MaxAge)
            && profile.AgeBands.Zip(profile.AgeBands.Skip(1)).All(pair => pair.First.MaxAge <= pair.Second.MinAge);
        if (string.IsNullOrWhiteSpace(profile.Id) || !bandsInOrder)
        {
            throw new InvalidOperationException($"regulation profile {source} needs an id and at least one age band, bands ordered by age without overlap");
        }

        _profiles[profile.Id] = profile;
    }

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
