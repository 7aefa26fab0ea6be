namespace SmartTerminal.PolicyService.Registry;

/// <summary>A manufacturer's fleet as its owner lists it.</summary>
public sealed record FleetSummary(string Id, string Name, string ProfileId, int DeviceCount);

/// <summary>A device model inside a fleet (a baseline may be set per model).</summary>
public sealed record ModelRecord(string Id, string FleetId, string Name);
