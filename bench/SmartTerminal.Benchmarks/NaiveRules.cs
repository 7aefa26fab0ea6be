namespace SmartTerminal.Benchmarks;

/// <summary>
/// The baseline: how the same rules are commonly written on a full .NET runtime, with string hash
/// sets and dictionaries, lower-casing and slicing strings per lookup.
/// </summary>
internal sealed class NaiveRules(IEnumerable<string> blockedDomains, IEnumerable<string> packages, IEnumerable<string> numbers)
{
    private readonly HashSet<string> _blocked = new(blockedDomains, StringComparer.Ordinal);
    private readonly Dictionary<string, int> _apps = packages.ToDictionary(p => p, _ => 3, StringComparer.Ordinal);
    private readonly HashSet<string> _contacts = new(numbers, StringComparer.Ordinal);

    public bool DomainAllowed(string domain)
    {
        var lower = domain.ToLowerInvariant().TrimEnd('.');
        while (true)
        {
            if (_blocked.Contains(lower))
            {
                return false;
            }

            var dot = lower.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return true;
            }

            lower = lower[(dot + 1)..];
        }
    }

    public bool AppAllowed(string package) => _apps.TryGetValue(package, out var rating) && rating <= 12;

    public bool CallAllowed(string number) => _contacts.Contains(new string(number.Where(char.IsAsciiDigit).ToArray()));
}
