namespace SmartTerminal.NanoCheck;

/// <summary>One reason the assembly cannot run on the stable nanoFramework runtime.</summary>
/// <param name="Rule">Short rule id, e.g. "generic-instance".</param>
/// <param name="Location">Where in the assembly (type, member or table row).</param>
/// <param name="Detail">What was found.</param>
public sealed record Violation(string Rule, string Location, string Detail)
{
    public override string ToString() => $"{Rule}: {Location}: {Detail}";
}
