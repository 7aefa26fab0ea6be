namespace SmartTerminal.PolicyService.Security;

/// <summary>The three kinds of API users.</summary>
public static class Roles
{
    public const string Manufacturer = "manufacturer";
    public const string Guardian = "guardian";
    public const string Auditor = "auditor";

    public static readonly string[] All = [Manufacturer, Guardian, Auditor];
}
