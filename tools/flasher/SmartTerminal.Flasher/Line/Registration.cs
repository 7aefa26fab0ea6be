using Grpc.Core;
using Grpc.Net.Client;
using SmartTerminal.Contracts.Api.V1;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// A unit's identity and secrets from the PolicyService: a new registration, or for a unit already
/// registered, a key rotation (the old credentials stop working), optionally with a new box code.
/// The secrets come back once.
/// </summary>
public sealed class Registration(LineSettings settings) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(settings.Service);

    private ManufacturerService.ManufacturerServiceClient Client => new(_channel);

    public Task<RegisterDeviceResponse> RegisterAsync(string fleetId, UnitOrder unit, CancellationToken cancellationToken) =>
        CallAsync(() => Client.RegisterDeviceAsync(new RegisterDeviceRequest { FleetId = fleetId, ModelId = unit.ModelId, SerialNumber = unit.Serial }, Options(cancellationToken)).ResponseAsync);

    public async Task<RegisterDeviceResponse> RotateAsync(string deviceId, string reason, bool newPairingCode, CancellationToken cancellationToken)
    {
        var rotated = await CallAsync(() => Client.RotateDeviceKeysAsync(new RotateDeviceKeysRequest { DeviceId = deviceId, Reason = reason }, Options(cancellationToken)).ResponseAsync);
        if (newPairingCode)
        {
            rotated.PairingCode = (await CallAsync(() => Client.ReissuePairingCodeAsync(new ReissuePairingCodeRequest { DeviceId = deviceId, Reason = reason }, Options(cancellationToken)).ResponseAsync)).PairingCode;
        }

        return rotated;
    }

    public void Dispose() => _channel.Dispose();

    private CallOptions Options(CancellationToken cancellationToken) =>
        new(new Metadata { { "Authorization", "Bearer " + settings.Token } }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            throw new StepFailedException(ExitCode.ServiceRefused, settings.Text["service-refused", $"{e.StatusCode}: {e.Status.Detail}"]);
        }
    }
}
