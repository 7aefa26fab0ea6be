namespace SmartTerminal.Testing;

/// <summary>Waits on a condition with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<bool> TrueWithin(TimeSpan timeout, Func<Task<bool>> condition, TimeSpan? pollInterval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // Not ready yet (connection refused and the like): try again until the deadline.
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Polls until the producer returns a non-null result, or null at the deadline.</summary>
    public static async Task<T?> ResultWithin<T>(TimeSpan timeout, Func<Task<T?>> producer, TimeSpan? pollInterval = null)
        where T : class
    {
        T? result = null;
        await TrueWithin(timeout, async () => (result = await producer()) is not null, pollInterval);
        return result;
    }
}
