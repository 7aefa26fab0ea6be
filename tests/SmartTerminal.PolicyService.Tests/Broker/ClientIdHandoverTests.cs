using System.Collections;
using Microsoft.Extensions.Logging.Abstractions;
using SmartTerminal.PolicyService.Broker;

namespace SmartTerminal.PolicyService.Tests.Broker;

/// <summary>The order in which connections of one client id are set up and torn down (see ClientIdHandover).</summary>
public sealed class ClientIdHandoverTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static ClientIdHandover Handover(TimeSpan grace, TimeSpan limit) =>
        new(NullLogger<ClientIdHandover>.Instance) { ClosingGrace = grace, TeardownLimit = limit };

    private static Hashtable Items(object turn) => new() { [ClientIdHandover.TurnKey] = turn };

    // Not the InvalidOperationException of a client that is gone: this one reaches the test.
    private static Func<Task> MustNotEnd => () => throw new NotSupportedException("must not be ended");

    [Fact]
    public async Task The_first_connection_of_an_id_goes_ahead_at_once_and_is_forgotten_when_torn_down()
    {
        var handover = Handover(Long, Long);

        var turn = await handover.TakeTurnAsync("st-1", MustNotEnd, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, handover.Tracked);
        handover.Ended("st-1", Items(turn));

        Assert.Equal(0, handover.Tracked);
    }

    [Fact]
    public async Task A_new_connection_waits_for_the_teardown_of_one_that_is_closing()
    {
        var handover = Handover(Long, Long);
        var first = await handover.TakeTurnAsync("st-1", MustNotEnd, CancellationToken.None);
        var ended = false;

        var second = handover.TakeTurnAsync("st-1", () => { ended = true; return Task.CompletedTask; }, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        handover.Ended("st-1", Items(first));

        Assert.NotSame(first, await second.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(ended);
        Assert.Equal(1, handover.Tracked);
    }

    [Fact]
    public async Task A_previous_connection_that_stays_open_is_ended_and_then_waited_for()
    {
        var handover = Handover(TimeSpan.FromMilliseconds(50), Long);
        var first = await handover.TakeTurnAsync("st-1", MustNotEnd, CancellationToken.None);

        // Ending it tears it down, as the broker does, a little later.
        var second = await handover.TakeTurnAsync("st-1", () =>
        {
            _ = Task.Delay(50).ContinueWith(_ => handover.Ended("st-1", Items(first)), TaskScheduler.Default);
            return Task.CompletedTask;
        }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        handover.Ended("st-1", Items(second));
        Assert.Equal(0, handover.Tracked);
    }

    [Fact]
    public async Task A_teardown_that_never_comes_delays_the_new_connection_only_up_to_the_limit()
    {
        var handover = Handover(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200));
        await handover.TakeTurnAsync("st-1", MustNotEnd, CancellationToken.None);

        // The previous one is not registered any more (the broker says so by throwing) and never reports its end.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        await handover.TakeTurnAsync("st-1", () => throw new InvalidOperationException("Client with ID 'st-1' not found."), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(150), $"went ahead after {waited.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task The_late_end_of_a_replaced_connection_does_not_forget_its_successor()
    {
        var handover = Handover(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50));
        var first = await handover.TakeTurnAsync("st-1", MustNotEnd, CancellationToken.None);
        var second = await handover.TakeTurnAsync("st-1", () => Task.CompletedTask, CancellationToken.None);

        handover.Ended("st-1", Items(first));
        Assert.Equal(1, handover.Tracked);
        var third = handover.TakeTurnAsync("st-1", () => Task.CompletedTask, CancellationToken.None);
        await Task.Delay(10);
        Assert.False(third.IsCompleted);
        handover.Ended("st-1", Items(second));

        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Ids_do_not_wait_for_each_other()
    {
        var handover = Handover(Long, Long);
        await handover.TakeTurnAsync("st-1", MustNotEnd, CancellationToken.None);

        await handover.TakeTurnAsync("st-2", MustNotEnd, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(2, handover.Tracked);
    }

    [Fact]
    public void A_session_without_a_turn_is_ignored()
    {
        var handover = Handover(Long, Long);

        handover.Ended("st-1", new Hashtable());

        Assert.Equal(0, handover.Tracked);
    }
}
