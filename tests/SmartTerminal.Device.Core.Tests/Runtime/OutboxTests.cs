using SmartTerminal.Device.Core.Runtime;
using SmartTerminal.Device.Core.Tests.Enforcement;

namespace SmartTerminal.Device.Core.Tests.Runtime;

public sealed class OutboxTests
{
    private static byte[] Payload(ulong sequence, int length = 100) =>
        [.. Enumerable.Range(0, length).Select(i => (byte)(sequence * 31 + (ulong)i))];

    private static Outbox Open(MemoryStorage storage, int capacity = 64 * 1024, int segment = 1024)
    {
        var outbox = new Outbox(storage, capacity, segment);
        outbox.Recover(new byte[segment]);
        return outbox;
    }

    private static List<(ulong Sequence, byte[] Payload)> ReadAll(Outbox outbox)
    {
        var result = new List<(ulong, byte[])>();
        var buffer = new byte[outbox.MaxPayload];
        ulong after = 0;
        int length;
        while ((length = outbox.ReadAfter(after, buffer, out var sequence)) >= 0)
        {
            result.Add((sequence, buffer[..length]));
            after = sequence;
        }

        return result;
    }

    [Fact]
    public void Records_come_back_in_order_across_segments_and_after_a_reboot()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage);
        for (ulong s = 1; s <= 30; s++)
        {
            Assert.Equal(AppendResult.Appended, outbox.TryAppend(s, Payload(s), 0, 100));
        }

        var reopened = Open(storage);

        Assert.Equal(30ul, reopened.LastSequence);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (ulong)i), ReadAll(reopened).Select(r => r.Sequence));
        Assert.All(ReadAll(reopened), r => Assert.Equal(Payload(r.Sequence), r.Payload));
        Assert.True(storage.Files.Keys.Count(k => k.StartsWith("outbox-", StringComparison.Ordinal)) > 1);
    }

    [Fact]
    public void A_power_cut_at_any_byte_loses_only_the_record_being_written()
    {
        var full = new MemoryStorage();
        var reference = Open(full);
        for (ulong s = 1; s <= 12; s++)
        {
            reference.TryAppend(s, Payload(s, 90), 0, 90);
        }

        for (var cut = 0; cut < full.BytesWritten; cut += 7)
        {
            var storage = new MemoryStorage { CutPowerAfterBytes = cut };
            var outbox = Open(storage);
            ulong written = 0;
            try
            {
                for (ulong s = 1; s <= 12; s++)
                {
                    outbox.TryAppend(s, Payload(s, 90), 0, 90);
                    written = s;
                }
            }
            catch (PowerCutException)
            {
            }

            var recovered = Open(storage);
            var records = ReadAll(recovered);
            Assert.Equal(Enumerable.Range(1, (int)written).Select(i => (ulong)i), records.Select(r => r.Sequence));
            Assert.All(records, r => Assert.Equal(Payload(r.Sequence, 90), r.Payload));
            Assert.Equal(AppendResult.Appended, recovered.TryAppend(written + 1, Payload(written + 1, 90), 0, 90));
        }
    }

    [Fact]
    public void A_corrupted_byte_in_flash_cuts_the_outbox_there_and_later_records_go()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage, segment: 4096);
        for (ulong s = 1; s <= 5; s++)
        {
            outbox.TryAppend(s, Payload(s), 0, 100);
        }

        storage.Files["outbox-0.log"][(116 * 2) + 20] ^= 0xFF;

        Assert.Equal([1ul, 2ul], ReadAll(Open(storage, segment: 4096)).Select(r => r.Sequence));
    }

    [Fact]
    public void Acknowledged_segments_are_deleted_and_stay_gone_after_a_reboot()
    {
        var storage = new MemoryStorage();
        var outbox = Open(storage);
        for (ulong s = 1; s <= 30; s++)
        {
            outbox.TryAppend(s, Payload(s), 0, 100);
        }

        var before = outbox.StoredBytes;
        outbox.Acknowledge(25);

        Assert.True(outbox.StoredBytes < before);
        Assert.Equal([26ul, 27ul, 28ul, 29ul, 30ul], ReadAll(outbox).Select(r => r.Sequence));
        var reopened = Open(storage);
        Assert.Equal(25ul, reopened.AckedThrough);
        Assert.Equal([26ul, 27ul, 28ul, 29ul, 30ul], ReadAll(reopened).Select(r => r.Sequence));
        Assert.Equal(30ul, reopened.LastSequence);
    }

    [Fact]
    public void A_full_outbox_refuses_and_takes_again_after_an_acknowledgement()
    {
        var outbox = Open(new MemoryStorage(), capacity: 2048, segment: 1024);
        ulong s = 0;
        while (outbox.TryAppend(s + 1, Payload(s + 1), 0, 100) == AppendResult.Appended)
        {
            s++;
        }

        Assert.Equal(AppendResult.Full, outbox.TryAppend(s + 1, Payload(s + 1), 0, 100));
        outbox.Acknowledge(s);

        Assert.Equal(AppendResult.Appended, outbox.TryAppend(s + 1, Payload(s + 1), 0, 100));
        Assert.Equal(AppendResult.OutOfOrder, outbox.TryAppend(s, Payload(s), 0, 100));
        Assert.Equal(AppendResult.TooLarge, outbox.TryAppend(s + 2, new byte[2000], 0, 2000));
    }

    [Fact]
    public void An_acknowledgement_beyond_what_was_sent_is_capped()
    {
        var outbox = Open(new MemoryStorage());
        outbox.TryAppend(1, Payload(1), 0, 100);

        outbox.Acknowledge(1_000);

        Assert.Equal(1ul, outbox.AckedThrough);
        Assert.Equal(AppendResult.Appended, outbox.TryAppend(2, Payload(2), 0, 100));
    }
}
