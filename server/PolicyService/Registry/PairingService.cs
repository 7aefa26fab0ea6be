using SmartTerminal.PolicyService.Errors;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmartTerminal.PolicyService.Audit;
using SmartTerminal.PolicyService.Hosting;
using SmartTerminal.PolicyService.Security;
using SmartTerminal.PolicyService.Storage;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Registry;

/// <summary>
/// Guardians and their devices. Pairing codes are random, single use and stored only as hashes;
/// guessing is rate-limited per guardian. The box code issued at registration stays valid until the
/// unit's first pairing (a unit may sit in a warehouse for months) and is void after it; codes the
/// owning guardian issues for co-guardians expire. Only the owner issues further codes or removes
/// others; removing a guardian voids every unused code, so nobody re-binds with an old code (the
/// rebinding attack reported against kids' watches). A returned unit gets a new box code from its
/// manufacturer (<see cref="Reissue"/>), which also removes its guardians.
/// </summary>
public sealed class PairingService(
    StateDatabase database,
    PairingStore store,
    DeviceStore devices,
    LayerStore layers,
    AuditLog audit,
    AccessDenials denials,
    TimeProvider time,
    IOptions<ServiceOptions> options)
{
    /// <summary>Wrong or right, at most this many pairing attempts per guardian per window.</summary>
    public const int MaxAttempts = 5;

    public const int MaxChildNameLength = 64;

    public static readonly TimeSpan AttemptWindow = TimeSpan.FromMinutes(10);

    // No 0/O or 1/I/L: codes are read off a box and typed on a phone.
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    private const int CodeLength = 10;

    /// <summary>Issues the box code of a newly registered unit (no expiry until its first pairing).</summary>
    public async Task<IssuedPairingCode> CreateBoxCodeAsync(string deviceId)
    {
        await using var session = await database.WriteAsync();
        var code = await InsertAsync(session, deviceId, PairingStore.BoxCode);
        await session.CommitAsync();
        return code;
    }

    public async Task<IssuedPairingCode> CreateCodeAsOwnerAsync(Caller caller, string deviceId)
    {
        await using var session = await database.WriteAsync();
        await session.LockAsync(DeviceRegistry.Lock(deviceId));
        if (!await store.IsOwnerAsync(session, caller.Id, deviceId))
        {
            await session.DisposeAsync();
            await denials.RecordAsync(caller, deviceId, "not-owner");
            throw new ForbiddenException("only the owning guardian issues pairing codes");
        }

        var code = await InsertAsync(session, deviceId, PairingStore.GuardianCode);
        await audit.AppendAsync(session, caller.AuditName, "pairing.code-issued", deviceId);
        await session.CommitAsync();
        return code;
    }

    public async Task<ChildDevice> PairAsync(Caller caller, string code, string birthMonth, string childName)
    {
        childName ??= string.Empty;
        if (childName.Length > MaxChildNameLength)
        {
            throw new InvalidInputException("child_name", $"at most {MaxChildNameLength} characters");
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        string deviceId;
        await using (var session = await database.WriteAsync())
        {
            var codeHash = HashCode((code ?? string.Empty).Trim().ToUpperInvariant());
            deviceId = await RedeemableDeviceAsync(session, caller, codeHash, now);
            if (await store.IsGuardianAsync(session, caller.Id, deviceId))
            {
                // Redeeming a code for one's own device would use up the code meant for someone else (and
                // used to cost the owner its ownership): refused, and the code stays valid.
                await session.CommitAsync();
                throw new AlreadyExistsException("you are already a guardian of this device; the code stays valid for the person it was meant for");
            }

            var owner = await store.GuardianCountAsync(session, deviceId) == 0;
            if (owner && !IsBirthMonth(birthMonth))
            {
                throw new InvalidInputException("child_birth_month", "the first guardian gives the child's birth month as YYYY-MM, not in the future");
            }

            await store.UseCodeAsync(session, codeHash, now);
            if (owner)
            {
                await devices.SetChildBirthMonthAsync(session, deviceId, birthMonth);
                await store.VoidCodesAsync(session, deviceId, now, PairingStore.BoxCode);
            }

            await store.AddGuardianAsync(session, deviceId, caller.Id, owner, childName, now);
            await audit.AppendAsync(session, caller.AuditName, "pairing.add", deviceId, afterJson: AuditJson.Of(new { guardian = caller.Id, owner }));
            await session.CommitAsync();
        }

        return (await ListAsync(caller)).Single(d => d.DeviceId == deviceId);
    }

    /// <summary>
    /// What pairing with this code would do, without using it up: the device, and whether the caller
    /// would become its owner (the first guardian, who gives the birth month). Counts as a pairing
    /// attempt, so a preview is no cheaper way to guess codes.
    /// </summary>
    public async Task<(string DeviceId, bool WouldOwn)> PreviewAsync(Caller caller, string code, string? birthMonth)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var session = await database.WriteAsync();
        var deviceId = await RedeemableDeviceAsync(session, caller, HashCode((code ?? string.Empty).Trim().ToUpperInvariant()), now);
        var wouldOwn = await store.GuardianCountAsync(session, deviceId) == 0;
        var isGuardian = await store.IsGuardianAsync(session, caller.Id, deviceId);
        await session.CommitAsync();
        if (isGuardian)
        {
            throw new AlreadyExistsException("you are already a guardian of this device; the code stays valid for the person it was meant for");
        }

        if (wouldOwn && !IsBirthMonth(birthMonth ?? string.Empty))
        {
            throw new InvalidInputException("child_birth_month", "the first guardian gives the child's birth month as YYYY-MM, not in the future");
        }

        return (deviceId, wouldOwn);
    }

    // Under the guardian's lock (one pairing of a guardian at a time, in every replica, so the attempt
    // count holds however many arrive at once) and then the device's: the device of an unused, unexpired
    // code, the attempt recorded either way. A wrong code commits the attempt and answers NotFound.
    private async Task<string> RedeemableDeviceAsync(StateSession session, Caller caller, byte[] codeHash, long now)
    {
        await session.LockAsync("guardian:" + caller.Id);
        if (await store.AttemptsSinceAsync(session, caller.Id, now - (long)AttemptWindow.TotalMilliseconds) >= MaxAttempts)
        {
            throw new TooManyAttemptsException($"too many pairing attempts; try again in {AttemptWindow.TotalMinutes:F0} minutes");
        }

        await store.RecordAttemptAsync(session, caller.Id, now);
        if (await store.DeviceOfCodeAsync(session, codeHash, now) is not { } deviceId)
        {
            // The attempt is recorded even when the code is wrong: that is what limits guessing.
            await session.CommitAsync();
            throw new NotFoundException("pairing code", "(not valid, used or expired)");
        }

        await session.LockAsync(DeviceRegistry.Lock(deviceId));
        // Read again under the device's lock: a concurrent pairing with the same code has used it up.
        if (await store.DeviceOfCodeAsync(session, codeHash, now) is null)
        {
            await session.CommitAsync();
            throw new NotFoundException("pairing code", "(not valid, used or expired)");
        }

        return deviceId;
    }

    public async Task<IReadOnlyList<ChildDevice>> ListAsync(Caller caller)
    {
        await using var session = await database.ReadAsync();
        return [.. (await store.DevicesOfAsync(session, caller.Id)).Select(d => new ChildDevice(
            d.DeviceId, d.ChildName, d.Owner, (ulong)d.ReportedVersion, d.ReportedAt is { } seen ? DateTimeOffset.FromUnixTimeMilliseconds(seen) : null))];
    }

    /// <summary>The device's guardians; the caller must be one of them (<see cref="RequireGuardianAsync"/> first).</summary>
    public async Task<IReadOnlyList<StoredGuardian>> GuardiansAsync(string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await store.GuardiansOfAsync(session, deviceId);
    }

    public async Task<uint> RemoveGuardianAsync(Caller caller, string deviceId, string guardianId)
    {
        await using var session = await database.WriteAsync();
        // Checked under the device's lock: a concurrent change of guardians cannot slip between check and delete.
        await session.LockAsync(DeviceRegistry.Lock(deviceId));
        var callerIsOwner = await store.IsOwnerAsync(session, caller.Id, deviceId);
        if (!callerIsOwner && guardianId != caller.Id)
        {
            await session.DisposeAsync();
            await denials.RecordAsync(caller, deviceId, "not-owner");
            throw new ForbiddenException("only the owning guardian removes other guardians");
        }

        var count = await store.GuardianCountAsync(session, deviceId);
        if (guardianId == caller.Id && callerIsOwner && count > 1)
        {
            throw new PreconditionFailedException("the owning guardian removes the other guardians before leaving");
        }

        if (!await store.RemoveGuardianAsync(session, deviceId, guardianId))
        {
            throw new NotFoundException("guardian", guardianId);
        }

        await store.VoidCodesAsync(session, deviceId, time.GetUtcNow().ToUnixTimeMilliseconds(), kind: null);
        await audit.AppendAsync(session, caller.AuditName, "pairing.remove", deviceId, beforeJson: AuditJson.Of(new { guardian = guardianId }));
        await session.CommitAsync();
        return (uint)(count - 1);
    }

    /// <summary>
    /// A new box code for a returned or resold unit: the previous family's guardians, settings and the
    /// child's details go, all older codes are void; audited with the reason.
    /// </summary>
    public async Task<(IssuedPairingCode Code, int GuardiansRemoved)> ReissueAsync(Caller caller, string deviceId, string reason)
    {
        await using var session = await database.WriteAsync();
        await session.LockAsync(DeviceRegistry.Lock(deviceId));
        var removed = await RemoveAllAsync(session, deviceId);
        await layers.DeleteGuardianSettingsAsync(session, deviceId);
        await devices.SetChildBirthMonthAsync(session, deviceId, string.Empty);
        var code = await InsertAsync(session, deviceId, PairingStore.BoxCode);
        await audit.AppendAsync(session, caller.AuditName, "pairing.reissue", deviceId, afterJson: AuditJson.Of(new { reason, guardiansRemoved = removed }));
        await session.CommitAsync();
        return (code, removed);
    }

    /// <summary>
    /// Removes every guardian and voids every code of the device, inside the caller's write session,
    /// which holds the device's lock (a returned unit, a decommissioned one); returns how many guardians there were.
    /// </summary>
    public async Task<int> RemoveAllAsync(StateSession session, string deviceId)
    {
        await store.VoidCodesAsync(session, deviceId, time.GetUtcNow().ToUnixTimeMilliseconds(), kind: null);
        return await store.RemoveGuardiansAsync(session, deviceId);
    }

    public async Task<bool> IsGuardianAsync(string guardianId, string deviceId)
    {
        await using var session = await database.ReadAsync();
        return await store.IsGuardianAsync(session, guardianId, deviceId);
    }

    /// <summary>A device the caller is not paired with answers like a missing one.</summary>
    public async Task RequireGuardianAsync(Caller caller, string deviceId)
    {
        if (caller.Has(Roles.Guardian) && await IsGuardianAsync(caller.Id, deviceId))
        {
            return;
        }

        bool known;
        await using (var session = await database.ReadAsync())
        {
            known = await devices.FindAsync(session, deviceId) is not null;
        }

        await denials.RecordAsync(caller, deviceId, known ? "not-paired" : "unknown-device");
        throw new NotFoundException("device", deviceId);
    }

    private async Task<IssuedPairingCode> InsertAsync(StateSession session, string deviceId, int kind)
    {
        var code = new string(Enumerable.Range(0, CodeLength).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)]).ToArray());
        DateTimeOffset? expires = kind == PairingStore.GuardianCode ? time.GetUtcNow().AddMinutes(options.Value.PairingCodeMinutes) : null;
        await store.InsertCodeAsync(session, HashCode(code), deviceId, expires?.ToUnixTimeMilliseconds() ?? PairingStore.Never, kind);
        return new IssuedPairingCode(code, expires);
    }

    private bool IsBirthMonth(string value) =>
        DateTime.TryParseExact(value, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
        && month.Year > 1990 && month <= time.GetUtcNow().UtcDateTime;

    private static byte[] HashCode(string code) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code));
}
