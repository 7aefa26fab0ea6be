using SmartTerminal.Contracts.Api.V1;
using StoredBaseline = SmartTerminal.Contracts.Api.V1.Baseline;

namespace SmartTerminal.WebConsole.Fleets.Baseline;

/// <summary>One value a baseline change sets differently: null means left to the profile.</summary>
public sealed record BaselineChange(AgeBandPolicy ProfileBand, BaselineField Field, uint? Before, uint? After);

/// <summary>What publishing the edited bands would change against the stored baseline, value by value.</summary>
public static class BaselineChanges
{
    public static IReadOnlyList<BaselineChange> Between(StoredBaseline? stored, IEnumerable<AgeBandPolicy> edited, RegulationProfile profile)
    {
        var after = edited.ToList();
        var changes = new List<BaselineChange>();
        foreach (var profileBand in profile.AgeBands)
        {
            var before = BaselineForm.Find(stored, profileBand);
            var now = after.FirstOrDefault(b => b.MinAge == profileBand.MinAge && b.MaxAge == profileBand.MaxAge);
            foreach (var field in BaselineField.All)
            {
                var (was, will) = (field.Read(before), field.Read(now));
                if (was != will)
                {
                    changes.Add(new BaselineChange(profileBand, field, was, will));
                }
            }
        }

        return changes;
    }
}
