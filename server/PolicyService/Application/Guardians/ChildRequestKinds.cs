using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Policies;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>What a NEEDS_GUARDIAN event asks for, by its reason; Unspecified for what no guardian can answer.</summary>
public static class ChildRequestKinds
{
    /// <summary>Camera, microphone, location.</summary>
    private const uint Permissions = 3;

    public static ChildRequestKind Of(DecisionReason reason, uint subject) => reason switch
    {
        DecisionReason.DailyBudget when subject == 0 => ChildRequestKind.MoreTime,
        DecisionReason.CategoryBudget when subject is > 0 and < AppCategories.Count => ChildRequestKind.MoreTime,
        DecisionReason.SpendingCap when subject > 0 => ChildRequestKind.Purchase,
        DecisionReason.Permission when subject < Permissions => ChildRequestKind.Permission,
        DecisionReason.ContactNotAllowed => ChildRequestKind.Contact,
        _ => ChildRequestKind.Unspecified,
    };
}
