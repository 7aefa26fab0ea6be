using Google.Rpc;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>Collects every field that breaks a bound, to return them all at once (BadRequest details).</summary>
public sealed class FieldViolations
{
    private readonly List<BadRequest.Types.FieldViolation> _items = [];

    public IReadOnlyList<BadRequest.Types.FieldViolation> Items => _items;

    public bool Any => _items.Count > 0;

    public void Add(string field, string description) =>
        _items.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
}
