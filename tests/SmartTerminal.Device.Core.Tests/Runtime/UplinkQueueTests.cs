using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Runtime;
using SmartTerminal.Device.Core.Tests.Enforcement;

namespace SmartTerminal.Device.Core.Tests.Runtime;

public sealed class UplinkQueueTests
{
    private const long Day = 1_764_460_800; // 2025-11-30 00:00 UTC

    private static (UsageLedger Ledger, UplinkQueue Queue) Open(MemoryStorage storage, int capacity = 64 * 1024)
    {
        var ledger = new UsageLedger(storage);
        var queue = new UplinkQueue(ledger, new Outbox(storage, capacity, 8192));
        queue.Recover(new byte[8192]);
        return (ledger, queue);
    }

    /// <summary>Every usage record in the outbox, by bucket identity, and the sequences in order.</summary>
    private static (Dictionary<(long, int, uint), uint> Usage, List<ulong> Sequences) Drain(Outbox outbox)
    {
        var usage = new Dictionary<(long, int, uint), uint>();
        var sequences = new List<ulong>();
        var buffer = new byte[outbox.MaxPayload];
        ulong after = 0;
        int length;
        while ((length = outbox.ReadAfter(after, buffer, out var sequence)) >= 0)
        {
            after = sequence;
            sequences.Add(sequence);
            Assert.Equal(SmartTerminal.Device.Core.Protobuf.ProtoError.None, UplinkEnvelope.TryDecode(buffer, 0, length, out var message));
            Assert.Equal(sequence, message.Sequence);
            foreach (var record in message.Usage ?? [])
            {
                var key = (record.BucketStartUnix, record.Category, record.AppId);
                Assert.False(usage.ContainsKey(key), $"bucket {key} sent twice");
                usage[key] = record.UsedSeconds;
            }
        }

        return (usage, sequences);
    }

    private static List<UsageRecord> Records(Outbox outbox)
    {
        var records = new List<UsageRecord>();
        var buffer = new byte[outbox.MaxPayload];
        ulong after = 0;
        int length;
        while ((length = outbox.ReadAfter(after, buffer, out var sequence)) >= 0)
        {
            after = sequence;
            Assert.Equal(SmartTerminal.Device.Core.Protobuf.ProtoError.None, UplinkEnvelope.TryDecode(buffer, 0, length, out var message));
            records.AddRange(message.Usage ?? []);
        }

        return records;
    }

    [Fact]
    public void Closed_buckets_become_numbered_uplinks_and_open_ones_wait()
    {
        var storage = new MemoryStorage();
        var (ledger, queue) = Open(storage);
        // Each call is the use of the interval that ends at its time: [Day+10, Day+70), [Day+70, Day+100), [Day+310, Day+355).
        ledger.RecordUsage(Day + 70, 1, 7, 60);
        ledger.RecordUsage(Day + 100, 1, 7, 30);
        ledger.RecordUsage(Day + 355, 2, 9, 45);

        queue.Flush(Day + 320, (Day + 320) * 1000);

        var (usage, sequences) = Drain(queue.Outbox);
        Assert.Equal([1ul], sequences);
        Assert.Equal(90u, usage[(Day, 1, 7u)]);
        Assert.Equal(1, ledger.BucketCount);
        Assert.Equal(2ul, ledger.NextSequence);
    }

    [Fact]
    public void Usage_is_claimed_complete_a_bucket_behind_the_oldest_use_still_held_or_still_being_counted()
    {
        var storage = new MemoryStorage();
        var (ledger, queue) = Open(storage);
        // Nothing counted yet: complete through the bucket before the current one.
        Assert.Equal(Day + 600, queue.UsageCompleteThroughUnix(Day + 1000, recordedThroughUnix: Day + 1000));

        // Use in the buckets from Day+300 and Day+900; the first is sent, the second still open.
        ledger.RecordUsage(Day + 400, 1, 7, 60);
        ledger.RecordUsage(Day + 950, 1, 7, 30);
        queue.Flush(Day + 1000, (Day + 1000) * 1000);
        Assert.Equal(1, ledger.BucketCount);
        // The open bucket (Day+900) holds use not yet sent: the claim stops a bucket before it.
        Assert.Equal(Day + 600, queue.UsageCompleteThroughUnix(Day + 1000, recordedThroughUnix: Day + 1000));
        // An activity whose last seconds are not counted yet holds the claim back too.
        Assert.Equal(Day + 300, queue.UsageCompleteThroughUnix(Day + 1000, recordedThroughUnix: Day + 700));

        // Once everything is sent, the claim follows the clock, a bucket behind.
        queue.Flush(Day + 1300, (Day + 1300) * 1000);
        Assert.Equal(0, ledger.BucketCount);
        Assert.Equal(Day + 900, queue.UsageCompleteThroughUnix(Day + 1300, recordedThroughUnix: Day + 1300));
        Assert.Equal(0, queue.UsageCompleteThroughUnix(100, recordedThroughUnix: 100));
    }

    [Fact]
    public void Use_that_straddles_buckets_is_split_so_no_record_says_more_than_its_bucket_is_long()
    {
        var storage = new MemoryStorage();
        var (ledger, queue) = Open(storage);
        // 12 s ending 7 s into a bucket (a step of a fast clock), then a 20-minute reboot gap ending at Day+905.
        ledger.RecordUsage(Day + 307, 1, 7, 12);
        ledger.RecordUsage(Day + 905, 1, 0, 1200);

        queue.Flush(Day + 1500, (Day + 1500) * 1000);

        var records = Records(queue.Outbox);
        Assert.All(records, r => Assert.True(r.UsedSeconds <= r.BucketSeconds, $"{r.UsedSeconds} s in a {r.BucketSeconds} s bucket at {r.BucketStartUnix - Day}"));
        Assert.Equal(1212u, (uint)records.Sum(r => r.UsedSeconds));
        Assert.Contains(records, r => r.BucketStartUnix == Day && r.AppId == 7 && r.UsedSeconds == 5);
        Assert.Contains(records, r => r.BucketStartUnix == Day + 300 && r.AppId == 7 && r.UsedSeconds == 7);
        // The gap: 5 s and 300 s in its last two buckets, the older 895 s as one record as long as it is.
        Assert.Contains(records, r => r.BucketStartUnix == Day + 900 && r.AppId == 0 && r.UsedSeconds == 5);
        Assert.Contains(records, r => r.BucketStartUnix == Day + 600 && r.AppId == 0 && r.UsedSeconds == 300);
        Assert.Contains(records, r => r.BucketStartUnix == Day - 295 && r.BucketSeconds == 895 && r.UsedSeconds == 895);
    }

    [Fact]
    public void Seconds_carried_past_a_full_bucket_go_to_the_one_before_it()
    {
        var storage = new MemoryStorage();
        var (ledger, queue) = Open(storage);
        ledger.RecordUsage(Day + 300, 1, 7, 299);
        ledger.RecordUsage(Day + 300, 1, 7, 3);

        queue.Flush(Day + 900, (Day + 900) * 1000);

        var records = Records(queue.Outbox);
        Assert.Equal(302u, (uint)records.Sum(r => r.UsedSeconds));
        Assert.Contains(records, r => r.BucketStartUnix == Day && r.UsedSeconds == 300);
        Assert.Contains(records, r => r.BucketStartUnix == Day - 300 && r.UsedSeconds == 2);
    }

    [Fact]
    public void A_power_cut_at_any_byte_of_a_flush_loses_nothing_duplicates_nothing_and_reuses_no_sequence()
    {
        // Measure how many bytes a clean run writes, then cut the power at every 5th of them.
        var clean = new MemoryStorage();
        Run(clean, cutAt: null);
        for (long cut = 0; cut < clean.BytesWritten; cut += 5)
        {
            var storage = new MemoryStorage();
            Run(storage, cut);
            var (_, queue) = Open(storage);
            queue.Flush(Day + 3_000, (Day + 3_000) * 1000);

            var (usage, sequences) = Drain(queue.Outbox);
            Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (ulong)i), sequences);
            Assert.Equal(6u * 60, usage.Values.Aggregate(0u, (a, b) => a + b));
        }
    }

    // Six minutes of use in six buckets, flushed after each; optionally the power is cut mid-way
    // (the usage counted before the cut is re-recorded after the boot, as the engine does).
    private static void Run(MemoryStorage storage, long? cutAt)
    {
        storage.CutPowerAfterBytes = cutAt;
        var done = 0;
        try
        {
            var (ledger, queue) = Open(storage);
            for (var i = 0; i < 6; i++)
            {
                ledger.RecordUsage(Day + (i * 300), 1, 7, 60);
                ledger.Save();
                done++;
                queue.Flush(Day + ((i + 1) * 300), 0);
            }
        }
        catch (PowerCutException)
        {
            // Usage recorded but not saved before the cut is counted again after the boot.
            var (ledger, queue) = Open(storage);
            var held = ledger.HeldSeconds() + Drain(queue.Outbox).Usage.Values.Sum(v => v);
            for (var i = 0; i < 6; i++)
            {
                if ((i + 1) * 60 > held)
                {
                    ledger.RecordUsage(Day + (i * 300), 1, 7, 60);
                }
            }

            ledger.Save();
        }
    }

    [Fact]
    public void When_the_outbox_is_full_old_usage_is_merged_not_dropped_and_the_merge_is_reported()
    {
        var storage = new MemoryStorage();
        var (ledger, queue) = Open(storage, capacity: 600);
        uint total = 0;
        for (var bucket = 0; bucket < 300; bucket++)
        {
            ledger.RecordUsage(Day + (bucket * 300), 1 + (bucket % 3), (uint)(bucket % 5), 100);
            total += 100;
            queue.Flush(Day + ((bucket + 1) * 300), 0);
        }

        Assert.True(ledger.BucketCount <= UsageLedger.MaxBuckets);
        var inOutbox = Drain(queue.Outbox).Usage.Values.Sum(v => v);
        Assert.Equal(total, (uint)(ledger.HeldSeconds() + inOutbox));

        queue.Outbox.Acknowledge(queue.Outbox.LastSequence);
        for (var i = 0; i < 20; i++)
        {
            queue.Flush(Day + 400_000, 0);
            var drained = Drain(queue.Outbox);
            queue.Outbox.Acknowledge(queue.Outbox.LastSequence);
            inOutbox += drained.Usage.Values.Sum(v => v);
        }

        Assert.Equal(total, (uint)inOutbox);
        Assert.Equal(0, ledger.BucketCount);
    }
}
