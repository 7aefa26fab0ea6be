namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>One segment file of the outbox, as known in RAM.</summary>
    internal sealed class OutboxSegment
    {
        /// <summary>Segment number (file outbox-N.log).</summary>
        public uint Number;

        /// <summary>First sequence number in the segment.</summary>
        public ulong FirstSequence;

        /// <summary>Last sequence number in the segment.</summary>
        public ulong LastSequence;

        /// <summary>Valid bytes in the file.</summary>
        public int Length;

        /// <summary>Records in the segment.</summary>
        public int Records;
    }
}
