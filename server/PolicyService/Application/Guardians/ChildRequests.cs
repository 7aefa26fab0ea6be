using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SmartTerminal.Contracts.Api.V1;
using SmartTerminal.Contracts.Device.V1;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;
using SmartTerminal.PolicyService.Ingestion;
using SmartTerminal.PolicyService.Registry;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Application.Guardians;

/// <summary>
/// The guardians' inbox: what the child asked for on the watch, answered once. Approving more time
/// grants it as an online extension; every answer goes to the watch as a GuardianAnswer (an approved
/// purchase or permission lets that one through there). A returned unit's earlier requests are not the
/// next family's: only what was asked since the owner paired is shown.
/// </summary>
public sealed partial class ChildRequests(
    PairingService pairing, StateDatabase database, ChildRequestStore store, TimeGrants grants, IDeviceDownlink downlink, AuditLog audit, TimeProvider time, ILogger<ChildRequests> logger)
{
    /// <summary>Audit actions (and so history entries) of answers; approved time is in the history as its extension.</summary>
    public const string ApprovedOnceAction = "request.approve";
    public const string ApprovedTimeAction = "request.approve-time";
    public const string DeclinedAction = "request.decline";

    private const int Listed = 100;

    public async Task<IReadOnlyList<ChildRequest>> ListAsync(Caller caller, string deviceId)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        var since = Math.Max((time.GetUtcNow() - AskedRequests.Shown).ToUnixTimeSeconds(), await FamilySinceAsync(deviceId));
        await using var session = await database.ReadAsync();
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        return [.. (await store.OfDeviceAsync(session, deviceId, since, Listed)).Select(r => ToMessage(r, now))];
    }

    public async Task<ChildRequest> AnswerAsync(Caller caller, string deviceId, string requestId, bool approve, uint minutes, CancellationToken cancellationToken)
    {
        await pairing.RequireGuardianAsync(caller, deviceId);
        if (string.IsNullOrEmpty(requestId) || requestId.Length > 64)
        {
            throw new InvalidInputException("request_id", "the id of one of the device's requests");
        }

        StoredRequest request;
        await using (var session = await database.ReadAsync())
        {
            request = await store.FindAsync(session, deviceId, requestId) ?? throw new NotFoundException("request", requestId);
        }

        var kind = (ChildRequestKind)request.Kind;
        if (request.AskedAt < await FamilySinceAsync(deviceId))
        {
            throw new NotFoundException("request", requestId);
        }

        if (minutes > TimeGrants.MaxExtensionMinutes || (minutes > 0 && kind != ChildRequestKind.MoreTime))
        {
            throw new InvalidInputException("minutes", $"0-{TimeGrants.MaxExtensionMinutes}, and only for more time");
        }

        if (approve && kind == ChildRequestKind.Contact)
        {
            // The watch does not send the number (it stays on the device): a contact is allowed by adding it to the rules.
            throw new InvalidInputException("approve", "a contact is allowed by adding it to the rules' contacts");
        }

        var granted = approve && kind == ChildRequestKind.MoreTime ? (minutes > 0 ? minutes : (uint)Math.Max(request.Minutes, 15)) : 0;
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        await using (var session = await database.WriteAsync(cancellationToken))
        {
            if (!await store.AnswerAsync(session, requestId, approve ? ChildRequestStore.Approved : ChildRequestStore.Declined, caller.Id, now, (int)granted))
            {
                throw new PreconditionFailedException(request.State == ChildRequestStore.Waiting && request.ExpiresAt > now
                    ? "the request was answered meanwhile"
                    : "the request is no longer waiting: it was answered or has lapsed");
            }

            await session.CommitAsync();
        }

        var timeSent = false;
        try
        {
            if (granted > 0)
            {
                await grants.GrantExtensionAsync(caller, deviceId, granted, (uint)request.Subject, cancellationToken);
                timeSent = true;
            }

            await downlink.PublishControlAsync(deviceId, AnswerFor(request, approve).ToByteArray(), cancellationToken);
        }
        catch (Exception) when (!timeSent)
        {
            // Nothing reached the watch (the broker is unreachable): the request waits again for an answer.
            await using var session = await database.WriteAsync(CancellationToken.None);
            await store.ReopenAsync(session, requestId);
            await session.CommitAsync();
            throw;
        }
        catch (Exception e) when (timeSent)
        {
            // The time itself was sent (and is in the history): answering again would grant it twice. The
            // watch misses only the notice that the answer was yes.
            LogAnswerNotSent(deviceId, requestId, e.Message);
        }

        var action = !approve ? DeclinedAction : granted > 0 ? ApprovedTimeAction : ApprovedOnceAction;
        await audit.AppendAsync(caller.AuditName, action, deviceId, AuditJson.Of(new { requestId, kind = kind.ToString(), approve, minutes = granted }));
        return ToMessage(request with { State = approve ? ChildRequestStore.Approved : ChildRequestStore.Declined, AnsweredBy = caller.Id, AnsweredAt = now, GrantedMinutes = (int)granted }, now);
    }

    private static ControlMessage AnswerFor(StoredRequest request, bool approve) => new()
    {
        GuardianAnswer = new GuardianAnswer { AskedAtUnix = request.AskedAt, Reason = (uint)request.Reason, Subject = (uint)request.Subject, Approved = approve },
    };

    // When the current family's first guardian paired: what was asked before belongs to no one here.
    private async Task<long> FamilySinceAsync(string deviceId)
    {
        var guardians = await pairing.GuardiansAsync(deviceId);
        return guardians.Count == 0 ? long.MaxValue : guardians.Min(g => g.PairedAt) / 1000;
    }

    private static ChildRequest ToMessage(StoredRequest r, long now)
    {
        var kind = (ChildRequestKind)r.Kind;
        var message = new ChildRequest
        {
            RequestId = r.RequestId,
            Kind = kind,
            AskedAt = DateTimeOffset.FromUnixTimeSeconds(r.AskedAt).ToTimestamp(),
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(r.ExpiresAt).ToTimestamp(),
            Repeats = (uint)r.Repeats,
            State = r.State switch
            {
                ChildRequestStore.Approved => ChildRequestState.Approved,
                ChildRequestStore.Declined => ChildRequestState.Declined,
                ChildRequestStore.Waiting when r.ExpiresAt > now => ChildRequestState.Pending,
                _ => ChildRequestState.Expired,
            },
            AnsweredBy = r.AnsweredBy ?? string.Empty,
            GrantedMinutes = (uint)r.GrantedMinutes,
        };
        if (r.AnsweredAt is { } answeredAt)
        {
            message.AnsweredAt = DateTimeOffset.FromUnixTimeSeconds(answeredAt).ToTimestamp();
        }

        switch (kind)
        {
            case ChildRequestKind.MoreTime:
                message.Category = (uint)r.Subject;
                message.Minutes = (uint)r.Minutes;
                break;
            case ChildRequestKind.Purchase:
                message.Amount = (uint)r.Subject;
                break;
            case ChildRequestKind.Permission:
                message.Permission = (uint)r.Subject;
                break;
        }

        return message;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The approval of request {RequestId} did not reach {DeviceId} (its extra time did): {Reason}")]
    private partial void LogAnswerNotSent(string deviceId, string requestId, string reason);
}
