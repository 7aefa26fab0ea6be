namespace SmartTerminal.PolicyService.Registry;

/// <summary>A registered device as the service needs it to resolve and sign its policy.</summary>
public sealed record DeviceRecord(string Id, string FleetId, string ModelId, uint KeyId, string ChildBirthMonth, string Serial = "");

/// <summary>A device's decrypted secrets (never logged, never returned after registration).</summary>
public sealed record DeviceSecrets(uint KeyId, byte[] PolicyKey, byte[] GuardianSecret);
