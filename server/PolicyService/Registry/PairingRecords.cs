namespace SmartTerminal.PolicyService.Registry;

/// <summary>A pairing code in clear (only its hash is stored); a box code has no expiry until the first pairing.</summary>
public sealed record IssuedPairingCode(string Code, DateTimeOffset? ExpiresAt);

/// <summary>A device as one of its guardians sees it in the list of children.</summary>
public sealed record ChildDevice(string DeviceId, string ChildName, bool Owner, ulong ReportedVersion, DateTimeOffset? LastSeenAt);

/// <summary>What decommissioning did: when the login stopped working, whether data was erased, guardians removed.</summary>
public sealed record DecommissionOutcome(DateTimeOffset DecommissionedAt, bool DataErased, int GuardiansRemoved);
