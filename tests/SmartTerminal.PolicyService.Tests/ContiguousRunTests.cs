using SmartTerminal.PolicyService.Ingestion;
using SmartTerminal.PolicyService.Storage.Stores;

namespace SmartTerminal.PolicyService.Tests;

public sealed class ContiguousRunTests
{
    [Fact]
    public void The_watermark_moves_over_what_is_contiguous_and_takes_the_newest_claim_it_covers()
    {
        StoredSequence[] stored = [new("d", 6, 600), new("d", 4, 0), new("d", 5, 500), new("d", 8, 800), new("d", 5, 500)];

        Assert.Equal((6UL, 600L), ContiguousRun.Advance(3, stored));
        // Above the gap at 7 nothing counts, the claim at 8 included.
        Assert.Equal((2UL, 0L), ContiguousRun.Advance(2, stored));
        Assert.Equal((8UL, 800L), ContiguousRun.Advance(3, [.. stored, new("d", 7, 0)]));
    }

    [Fact]
    public void A_claim_is_not_lowered_by_a_later_heartbeat_with_an_earlier_one()
    {
        Assert.Equal((2UL, 900L), ContiguousRun.Advance(0, [new("d", 1, 900), new("d", 2, 300)]));
    }
}
