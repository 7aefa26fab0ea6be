namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// Per-device mutual exclusion for async code: a fixed set of semaphores picked by the device id's
/// hash, so memory stays constant however many devices there are (two devices may share a stripe and
/// then wait for each other briefly; one device never runs twice at once).
/// </summary>
public sealed class DeviceLocks
{
    private const int Stripes = 1024;
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<IDisposable> EnterAsync(string deviceId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(deviceId) % Stripes)];
        await stripe.WaitAsync(cancellationToken);
        return new Release(stripe);
    }

    private sealed class Release(SemaphoreSlim stripe) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                stripe.Release();
            }
        }
    }
}
