namespace SmartTerminal.PolicyService.Storage;

/// <summary>
/// Mutual exclusion by name inside this process, for async code: a fixed set of semaphores picked by
/// the name's hash, so memory stays constant however many names there are (two names may share a
/// stripe and then wait for each other briefly; one name is never held twice at once).
/// </summary>
public sealed class LocalLocks
{
    private const int Stripes = 1024;
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<IDisposable> EnterAsync(string name, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(name) % Stripes)];
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
