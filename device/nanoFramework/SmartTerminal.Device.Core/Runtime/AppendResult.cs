namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>Outcome of appending to the outbox.</summary>
    public enum AppendResult
    {
        /// <summary>Stored durably.</summary>
        Appended = 0,

        /// <summary>No room until the service acknowledges more: the ledger keeps (and merges) the data.</summary>
        Full = 1,

        /// <summary>Larger than a segment can hold.</summary>
        TooLarge = 2,

        /// <summary>The sequence number is not above the last stored one.</summary>
        OutOfOrder = 3,
    }
}
