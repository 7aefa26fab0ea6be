using SmartTerminal.PolicyService.Errors;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>Collects every field that breaks a bound, to return them all at once.</summary>
public sealed class FieldViolations
{
    private readonly List<FieldViolation> _items = [];

    public IReadOnlyList<FieldViolation> Items => _items;

    public bool Any => _items.Count > 0;

    public void Add(string field, string description) => _items.Add(new FieldViolation(field, description));
}
