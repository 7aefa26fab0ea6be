namespace SmartTerminal.PolicyService.Broker;

/// <summary>The MQTT topics of design brief section 1.</summary>
public static class Topics
{
    public const string Prefix = "st/v1/";

    public static string Policy(string deviceId) => $"{Prefix}{deviceId}/policy";

    public static string Control(string deviceId) => $"{Prefix}{deviceId}/control";

    public static string Up(string deviceId) => $"{Prefix}{deviceId}/up";

    public static string Status(string deviceId) => $"{Prefix}{deviceId}/status";
}
