namespace SmartTerminal.PolicyService.Policies;

/// <summary>The app categories a watch tracks time in: 0 is the daily total, 1-15 its app categories.</summary>
public static class AppCategories
{
    public const uint Count = 16;
}
