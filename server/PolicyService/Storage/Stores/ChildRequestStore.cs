namespace SmartTerminal.PolicyService.Storage.Stores;

/// <summary>A request as the watch reported it, ready to store (times in Unix seconds).</summary>
/// <remarks><paramref name="Repeats"/> counts how often the same uplink asked again, up to <paramref name="LastAskedAt"/>.</remarks>
public sealed record AskedRequest(
    string RequestId, string DeviceId, int Kind, int Reason, long Subject, long AskedAt, long LastAskedAt, long ExpiresAt, int Minutes, int Repeats = 0);

/// <summary>One row of <c>child_requests</c>.</summary>
public sealed record StoredRequest(
    string RequestId, string DeviceId, int Kind, int Reason, long Subject, long AskedAt, long LastAskedAt, long ExpiresAt, int Minutes,
    int Repeats, int State, string? AnsweredBy, long? AnsweredAt, int GrantedMinutes)
{
    // For Dapper (see StateSession).
    private StoredRequest()
        : this(default!, default!, default, default, default, default, default, default, default, default, default, default, default, default)
    {
    }
}

/// <summary>
/// What children asked for on their watches (the <c>child_requests</c> table): recorded with the uplink
/// that carried them, answered once by a guardian.
/// </summary>
public sealed class ChildRequestStore
{
    public const int Waiting = 1;
    public const int Approved = 2;
    public const int Declined = 3;
    public const int Lapsed = 4;

    /// <summary>Waiting requests one device may have; what it asks beyond them is not recorded (a flood costs a bounded inbox).</summary>
    public const int MaxWaitingPerDevice = 20;

    private const string Columns =
        "request_id, device_id, kind, reason, subject, asked_at, last_asked_at, expires_at, minutes, repeats, state, answered_by, answered_at, granted_minutes";

    /// <summary>
    /// Records each request inside the caller's write session: a waiting request that lapsed before it
    /// was asked again is marked so; asking again for what is still waiting counts a repeat (once per
    /// asking time, so a replayed uplink counts nothing twice); an ask that a stored request already
    /// covers (asked between its first and last time, or before its answer) is that request, even
    /// when it was answered: a resent uplink never opens a second request for what was granted; anything
    /// else is a new waiting request while the device has fewer than <see cref="MaxWaitingPerDevice"/>.
    /// </summary>
    public async Task RecordAsync(StateSession session, IReadOnlyCollection<AskedRequest> requests)
    {
        foreach (var r in requests)
        {
            await session.ExecuteAsync(
                $"UPDATE child_requests SET state = {Lapsed} WHERE device_id = @DeviceId AND state = {Waiting} AND expires_at <= @AskedAt",
                new { r.DeviceId, r.AskedAt });
            await session.ExecuteAsync(
                $"""
                INSERT INTO child_requests (request_id, device_id, kind, reason, subject, asked_at, last_asked_at, expires_at, minutes, repeats, state)
                SELECT @RequestId, @DeviceId, @Kind, @Reason, @Subject, @AskedAt, @LastAskedAt, @ExpiresAt, @Minutes, @Repeats, {Waiting}
                WHERE ((SELECT count(*) FROM child_requests WHERE device_id = @DeviceId AND state = {Waiting}) < {MaxWaitingPerDevice}
                        OR EXISTS (SELECT 1 FROM child_requests WHERE device_id = @DeviceId AND reason = @Reason AND subject = @Subject AND state = {Waiting}))
                    AND NOT EXISTS (
                        SELECT 1 FROM child_requests WHERE device_id = @DeviceId AND reason = @Reason AND subject = @Subject AND state <> {Waiting}
                            AND asked_at <= @AskedAt AND (last_asked_at >= @AskedAt OR answered_at >= @AskedAt))
                ON CONFLICT (device_id, reason, subject) WHERE state = {Waiting} DO UPDATE SET
                    repeats = child_requests.repeats + 1 + excluded.repeats, last_asked_at = excluded.last_asked_at
                    WHERE child_requests.last_asked_at < excluded.asked_at
                """,
                r);
        }
    }

    /// <summary>The device's requests asked at or after <paramref name="since"/>, newest first.</summary>
    public Task<IReadOnlyList<StoredRequest>> OfDeviceAsync(StateSession session, string deviceId, long since, int limit) =>
        session.QueryAsync<StoredRequest>(
            $"SELECT {Columns} FROM child_requests WHERE device_id = @deviceId AND asked_at >= @since ORDER BY asked_at DESC, request_id LIMIT @limit",
            new { deviceId, since, limit });

    public Task<StoredRequest?> FindAsync(StateSession session, string deviceId, string requestId) =>
        session.QueryFirstOrDefaultAsync<StoredRequest>(
            $"SELECT {Columns} FROM child_requests WHERE device_id = @deviceId AND request_id = @requestId",
            new { deviceId, requestId });

    /// <summary>Answers a waiting, unlapsed request; false when it was answered meanwhile or has lapsed (exactly one of two answers wins).</summary>
    public async Task<bool> AnswerAsync(StateSession session, string requestId, int state, string answeredBy, long now, int grantedMinutes) =>
        await session.ExecuteAsync(
            $"""
            UPDATE child_requests SET state = @state, answered_by = @answeredBy, answered_at = @now, granted_minutes = @grantedMinutes
            WHERE request_id = @requestId AND state = {Waiting} AND expires_at > @now
            """,
            new { requestId, state, answeredBy, now, grantedMinutes }) == 1;

    /// <summary>
    /// Puts an answer back when what it approved could not be sent to the device, unless the watch has
    /// asked the same again meanwhile (that newer request is the one waiting).
    /// </summary>
    public Task ReopenAsync(StateSession session, string requestId) =>
        session.ExecuteAsync(
            $"""
            UPDATE child_requests SET state = {Waiting}, answered_by = NULL, answered_at = NULL, granted_minutes = 0
            WHERE request_id = @requestId AND state IN ({Approved}, {Declined})
                AND NOT EXISTS (
                    SELECT 1 FROM child_requests w WHERE w.device_id = child_requests.device_id AND w.reason = child_requests.reason
                        AND w.subject = child_requests.subject AND w.state = {Waiting})
            """,
            new { requestId });
}
