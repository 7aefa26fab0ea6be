using System.Globalization;
using Microsoft.Extensions.Localization;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.WebConsole.Guardians.Requests;

/// <summary>
/// A child's request in the reader's language, from its kind and fields: what was asked for, and where
/// it stands. Amounts are in fen, shown in yuan; categories by the names the week page uses.
/// </summary>
public sealed class RequestText(IStringLocalizer<Text> text)
{
    public string What(ChildRequest request) => request.Kind switch
    {
        ChildRequestKind.MoreTime when request.Minutes > 0 => L("RequestMoreTime", request.Minutes, Category(request.Category)),
        ChildRequestKind.MoreTime => L("RequestMoreTimeUnsaid", Category(request.Category)),
        ChildRequestKind.Purchase => L("RequestPurchase", L("Yuan", (request.Amount / 100m).ToString("0.00", CultureInfo.CurrentCulture))),
        ChildRequestKind.Permission => L("RequestPermission", L("Permission" + request.Permission)),
        ChildRequestKind.Contact => L("RequestContact"),
        _ => L("RequestOther"),
    };

    public string State(ChildRequest request, ChildCalendar calendar) => request.State switch
    {
        ChildRequestState.Approved when request.GrantedMinutes > 0 => L("RequestApprovedMinutes", request.AnsweredBy, request.GrantedMinutes, At(request.AnsweredAt, calendar)),
        ChildRequestState.Approved => L("RequestApproved", request.AnsweredBy, At(request.AnsweredAt, calendar)),
        ChildRequestState.Declined => L("RequestDeclined", request.AnsweredBy, At(request.AnsweredAt, calendar)),
        ChildRequestState.Expired => L("RequestExpired"),
        _ => L("RequestWaitingUntil", At(request.ExpiresAt, calendar)),
    };

    private static string At(Google.Protobuf.WellKnownTypes.Timestamp? at, ChildCalendar calendar) =>
        at is null ? string.Empty : calendar.Local(at.ToDateTimeOffset()).ToString("g", CultureInfo.CurrentCulture);

    private string Category(uint category) => category == 0 ? L("WeekTotal") : L("Category" + category);

    private string L(string key, params object[] arguments) => text[key, arguments].Value;
}
