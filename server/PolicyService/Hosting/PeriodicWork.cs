namespace SmartTerminal.PolicyService.Hosting;

/// <summary>
/// Background work that runs every interval and once more when the service stops (so nothing counted
/// in memory is lost on a clean shutdown). A failing run is the subclass's to report; the loop goes on.
/// </summary>
public abstract class PeriodicWork : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>One run; must not throw.</summary>
    protected abstract Task RunOnceAsync();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the last run follows in StopAsync.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await RunOnceAsync();
    }
}
