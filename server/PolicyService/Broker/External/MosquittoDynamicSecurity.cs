using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MQTTnet;
using SmartTerminal.PolicyService.DeviceLink;
using SmartTerminal.PolicyService.Errors;

namespace SmartTerminal.PolicyService.Broker.External;

/// <summary>
/// Device logins in Mosquitto's dynamic-security plugin, administered by the service account over
/// $CONTROL/dynamic-security/v1 (Broker:External:Provisioning=MosquittoDynamicSecurity). Every device
/// gets a client bound to its own client id and a role of its own with exactly the rights of design
/// brief section 1 (Mosquitto 2.0.11's plugin has no %u/%c patterns, so one role per device), and the
/// defaults deny everything else (with the plugin's default, a device could read another's retained
/// policy). Changing or deleting a client makes the plugin end that client's session, which is how
/// a rotation or a decommissioning ends the session that used the old login.
/// </summary>
public sealed partial class MosquittoDynamicSecurity : IBrokerAccounts, IDeviceSessions
{
    public const string CommandTopic = "$CONTROL/dynamic-security/v1";
    public const string ResponseTopic = CommandTopic + "/response";
    public const string ServiceRole = "st-policy-service";

    private readonly ExternalBrokerConnection _connection;
    private readonly ExternalBrokerOptions _options;
    private readonly ServiceAccount _account;
    private readonly ILogger<MosquittoDynamicSecurity> _logger;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonArray>> _waiting = new(StringComparer.Ordinal);

    public MosquittoDynamicSecurity(ExternalBrokerConnection connection, IOptions<ExternalBrokerOptions> options, ServiceAccount account, ILogger<MosquittoDynamicSecurity> logger)
    {
        (_connection, _options, _account, _logger) = (connection, options.Value, account, logger);
        _connection.Subscribe(ResponseTopic, ReceiveResponsesAsync);
    }

    /// <summary>True once <see cref="EnsureBaselineAsync"/> succeeded since the start.</summary>
    public bool BaselineSet { get; private set; }

    /// <summary>The plugin's role name for a device's rights.</summary>
    public static string DeviceRole(string deviceId) => "st-device-" + deviceId;

    /// <summary>Deny by default; the service account's own rights (it already holds the plugin's admin role).</summary>
    public async Task EnsureBaselineAsync(CancellationToken cancellationToken)
    {
        var responses = await SendAsync(
            [
                Command("setDefaultACLAccess", new JsonObject
                {
                    ["acls"] = new JsonArray(
                        Default("publishClientSend", false), Default("publishClientReceive", false),
                        Default("subscribe", false), Default("unsubscribe", true)),
                }),
                Command("createRole", new JsonObject
                {
                    ["rolename"] = ServiceRole,
                    ["textname"] = "SmartTerminal policy service replicas",
                    ["acls"] = new JsonArray(
                        Acl("publishClientSend", "st/v1/+/policy"), Acl("publishClientSend", "st/v1/+/control"),
                        Acl("publishClientSend", RetainedPolicyRestore.MarkerTopic),
                        Acl("subscribePattern", $"$share/{_options.ShareGroup}/st/v1/+/up"), Acl("publishClientReceive", "st/v1/+/up")),
                }),
                Command("getClient", new JsonObject { ["username"] = _account.UserName }),
            ],
            cancellationToken);
        Require(responses, "Role already exists");
        // Adding a role ends the client's session (ours): only when it is missing, the first time.
        var roles = responses[2]?["data"]?["client"]?["roles"]?.AsArray() ?? [];
        if (!roles.Any(r => r?["rolename"]?.GetValue<string>() == ServiceRole))
        {
            // The plugin ends our session before it answers: sent without waiting, then the reconnect.
            var add = new JsonObject { ["commands"] = new JsonArray(Command("addClientRole", new JsonObject { ["username"] = _account.UserName, ["rolename"] = ServiceRole })) };
            await _connection.PublishAsync(CommandTopic, JsonSerializer.SerializeToUtf8Bytes(add), retain: false, cancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            for (var waited = 0; !_connection.IsConnected && waited < 100; waited++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }

        BaselineSet = true;
        LogBaseline(_account.UserName);
    }

    public async Task SetDeviceAsync(string deviceId, string password, CancellationToken cancellationToken)
    {
        // A new device: its role, then its client (two plugin writes). A known one: only a new password.
        var created = await SendAsync(
            [
                Command("createRole", new JsonObject { ["rolename"] = DeviceRole(deviceId), ["acls"] = DeviceAcls(deviceId) }),
                Command("createClient", new JsonObject
                {
                    ["username"] = deviceId,
                    ["password"] = password,
                    ["clientid"] = deviceId,
                    ["roles"] = new JsonArray(new JsonObject { ["rolename"] = DeviceRole(deviceId) }),
                }),
            ],
            cancellationToken);
        Require(created, "Role already exists", "Client already exists");
        if (ErrorOf(created[1]) is null)
        {
            return;
        }

        // The plugin ends the session that used the old password.
        Require(await SendAsync([Command("setClientPassword", new JsonObject { ["username"] = deviceId, ["password"] = password })], cancellationToken));
    }

    public async Task RemoveDeviceAsync(string deviceId, CancellationToken cancellationToken)
    {
        var removed = await SendAsync(
            [
                Command("deleteClient", new JsonObject { ["username"] = deviceId }),
                Command("deleteRole", new JsonObject { ["rolename"] = DeviceRole(deviceId) }),
            ],
            cancellationToken);
        Require(removed, "Client not found", "Role not found");
    }

    // The plugin ends a client's session when its password changes or it is deleted, and the service
    // always does one of those first (SetDeviceAsync, RemoveDeviceAsync): nothing is left to end.
    public Task DisconnectAsync(string deviceId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every client user name the plugin holds, a page at a time.</summary>
    public async Task<IReadOnlySet<string>> ClientNamesAsync(CancellationToken cancellationToken)
    {
        const int Page = 1000;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var offset = 0; ; offset += Page)
        {
            var response = (await SendAsync([Command("listClients", new JsonObject { ["count"] = Page, ["offset"] = offset, ["verbose"] = false })], cancellationToken))[0];
            Require([response]);
            var clients = response?["data"]?["clients"]?.AsArray() ?? [];
            foreach (var client in clients)
            {
                names.Add(client!.GetValue<string>());
            }

            var total = response?["data"]?["totalCount"]?.GetValue<int>() ?? 0;
            if (clients.Count == 0 || offset + Page >= total)
            {
                return names;
            }
        }
    }

    private static JsonArray DeviceAcls(string deviceId) => new(
        Acl("publishClientSend", Topics.Up(deviceId)),
        Acl("publishClientSend", Topics.Status(deviceId)),
        Acl("subscribeLiteral", Topics.Policy(deviceId)),
        Acl("subscribeLiteral", Topics.Control(deviceId)),
        Acl("publishClientReceive", Topics.Policy(deviceId)),
        Acl("publishClientReceive", Topics.Control(deviceId)));

    private static JsonObject Acl(string type, string topic) => new() { ["acltype"] = type, ["topic"] = topic, ["allow"] = true };

    private static JsonObject Default(string type, bool allow) => new() { ["acltype"] = type, ["allow"] = allow };

    private static JsonObject Command(string name, JsonObject fields)
    {
        fields["command"] = name;
        return fields;
    }

    private static string? ErrorOf(JsonNode? response) => response?["error"]?.GetValue<string>();

    private static void Require(IEnumerable<JsonNode?> responses, params string[] harmless)
    {
        foreach (var response in responses)
        {
            if (ErrorOf(response) is { } error && !harmless.Contains(error, StringComparer.Ordinal))
            {
                throw new InvalidOperationException($"Mosquitto dynamic security refused {response?["command"]}: {error}");
            }
        }
    }

    /// <summary>Sends commands in one message and waits for their responses, matched by correlation data (other replicas' answers arrive on the same topic).</summary>
    private async Task<JsonArray> SendAsync(JsonObject[] commands, CancellationToken cancellationToken)
    {
        var correlation = Guid.NewGuid().ToString("N");
        foreach (var command in commands)
        {
            command["correlationData"] = correlation;
        }

        var answer = new TaskCompletionSource<JsonArray>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[correlation] = answer;
        try
        {
            var message = new JsonObject { ["commands"] = new JsonArray(commands) };
            await _connection.PublishAsync(CommandTopic, JsonSerializer.SerializeToUtf8Bytes(message), retain: false, cancellationToken);
            return await answer.Task.WaitAsync(TimeSpan.FromSeconds(_options.CommandTimeoutSeconds), cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new DependencyUnavailableException("the MQTT broker's dynamic security did not answer in time");
        }
        finally
        {
            _waiting.TryRemove(correlation, out _);
        }
    }

    private Task ReceiveResponsesAsync(MqttApplicationMessage message)
    {
        try
        {
            var responses = JsonNode.Parse(message.Payload.ToArray())?["responses"]?.AsArray();
            if (responses is { Count: > 0 } && responses[0]?["correlationData"]?.GetValue<string>() is { } correlation && _waiting.TryGetValue(correlation, out var answer))
            {
                answer.TrySetResult(responses);
            }
        }
        catch (JsonException e)
        {
            LogUnreadableResponse(e.Message);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mosquitto dynamic security: defaults deny, {ServiceUser} holds the service role")]
    private partial void LogBaseline(string serviceUser);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unreadable dynamic-security response: {Error}")]
    private partial void LogUnreadableResponse(string error);
}
