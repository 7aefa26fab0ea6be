namespace SmartTerminal.Device.Core.Protobuf
{
    /// <summary>Why decoding stopped. Decoders report these instead of throwing.</summary>
    public enum ProtoError
    {
        /// <summary>No error.</summary>
        None = 0,

        /// <summary>The input ended inside a value.</summary>
        Truncated = 1,

        /// <summary>A varint ran past 10 bytes, or past 5 bytes where a 32-bit value was required.</summary>
        VarintTooLong = 2,

        /// <summary>A tag with field number 0 or above 2^29 - 1.</summary>
        InvalidTag = 3,

        /// <summary>A wire type this decoder does not accept (groups, 6, 7).</summary>
        InvalidWireType = 4,

        /// <summary>A length prefix pointing past the end of the enclosing message.</summary>
        LengthOutOfRange = 5,

        /// <summary>A string field that is not valid UTF-8.</summary>
        InvalidUtf8 = 6,

        /// <summary>A packed field whose length is not a multiple of its element size.</summary>
        MalformedPacked = 7,

        /// <summary>Nested messages deeper than <see cref="ProtoReader.MaxDepth"/>.</summary>
        TooDeep = 8,

        /// <summary>The reader was given a null buffer or a range outside it.</summary>
        InvalidArgument = 9,

        /// <summary>A decoded value is outside what the message allows (e.g. a count above a cap).</summary>
        ValueOutOfRange = 10,
    }
}
