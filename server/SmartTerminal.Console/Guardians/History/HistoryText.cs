using Microsoft.Extensions.Localization;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Guardians.History;

/// <summary>
/// One history entry in the reader's language, built from its kind, actor and fields (not from any
/// English text of the service). Settings are named by the labels the rules page uses where it has them.
/// </summary>
public sealed class HistoryText(IStringLocalizer<Text> text)
{
    public string Of(HistoryEntry entry) => entry.Kind switch
    {
        HistoryKind.RulesChanged => L("HistoryRulesChanged", entry.Actor, string.Join(L("ListSeparator"), entry.ChangedSettings.Select(Setting))),
        HistoryKind.ExtensionGranted => L("HistoryExtensionGranted", entry.Actor, entry.Minutes),
        HistoryKind.ExtensionApplied => L("HistoryExtensionApplied", entry.Minutes),
        HistoryKind.OfflineCodeCreated => L("HistoryOfflineCodeCreated", entry.Actor, entry.Minutes),
        HistoryKind.OfflineCodeRedeemed => L("HistoryOfflineCodeRedeemed", entry.Minutes),
        HistoryKind.GuardianJoined => L("HistoryGuardianJoined", entry.GuardianId),
        HistoryKind.GuardianRemoved when entry.GuardianId == entry.Actor => L("HistoryGuardianLeft", entry.GuardianId),
        HistoryKind.GuardianRemoved => L("HistoryGuardianRemoved", entry.Actor, entry.GuardianId),
        HistoryKind.InvitationCreated => L("HistoryInvitationCreated", entry.Actor),
        HistoryKind.PairingReset => L("HistoryPairingReset"),
        HistoryKind.KeysRotated => L("HistoryKeysRotated"),
        HistoryKind.RequestApproved => L("HistoryRequestApproved", entry.Actor, L("RequestKind" + (int)entry.RequestKind)),
        HistoryKind.RequestDeclined => L("HistoryRequestDeclined", entry.Actor, L("RequestKind" + (int)entry.RequestKind)),
        _ => L("HistoryOther"),
    };

    /// <summary>A setting's label ("Setting_dailyMinutes"), or its JSON name when the console has none.</summary>
    public string Setting(string jsonName) => text["Setting_" + jsonName] is { ResourceNotFound: false } known ? known.Value : jsonName;

    private string L(string key, params object[] arguments) => text[key, arguments].Value;
}
