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

    public Task<IDisposable> EnterAsync(string name, CancellationToken cancellationToken) => EnterAsync([name], cancellationToken);

    /// <summary>Holds every name; stripes are taken in one global order, so two holders of overlapping sets never wait in a circle.</summary>
    public async Task<IDisposable> EnterAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var stripes = names.Select(n => (int)((uint)StringComparer.Ordinal.GetHashCode(n) % Stripes)).Distinct().Order().ToArray();
        var taken = new List<Release>(stripes.Length);
        try
        {
            foreach (var index in stripes)
            {
                await _stripes[index].WaitAsync(cancellationToken);
                taken.Add(new Release(_stripes[index]));
            }
        }
        catch
        {
            taken.ForEach(t => t.Dispose());
            throw;
        }

        return new All(taken);
    }

    private sealed class All(List<Release> releases) : IDisposable
    {
        public void Dispose() => releases.ForEach(r => r.Dispose());
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
