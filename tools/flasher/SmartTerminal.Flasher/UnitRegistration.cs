using Grpc.Core;
using Grpc.Net.Client;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.Flasher;

/// <summary>
/// Gets a unit's identity and secrets from the PolicyService: a new registration, or for a unit
/// already registered, a key rotation (the old credentials stop working). The secrets come back once.
/// </summary>
public static class UnitRegistration
{
    public static async Task<RegisterDeviceResponse> RunAsync(FlasherOptions options, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(options.Service);
        var client = new ManufacturerService.ManufacturerServiceClient(channel);
        var call = new CallOptions(new Metadata { { "Authorization", "Bearer " + options.Token } }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);
        try
        {
            return options.Command == "provision"
                ? await client.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = options.FleetId, ModelId = options.ModelId, SerialNumber = options.Serial }, call)
                : await client.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = options.DeviceId, Reason = options.Reason }, call);
        }
        catch (RpcException e)
        {
            throw new StepFailedException(ExitCodes.ServiceRefused, $"the PolicyService refused the {(options.Command == "provision" ? "registration" : "key rotation")}: {e.StatusCode}: {e.Status.Detail}");
        }
    }
}
