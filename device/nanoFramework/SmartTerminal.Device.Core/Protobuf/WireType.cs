namespace SmartTerminal.Device.Core.Protobuf
{
    /// <summary>Protobuf wire types (the low three bits of a tag). Groups (3, 4) are not supported.</summary>
    public enum WireType
    {
        /// <summary>Base-128 varint.</summary>
        Varint = 0,

        /// <summary>Eight little-endian bytes.</summary>
        Fixed64 = 1,

        /// <summary>A varint length followed by that many bytes.</summary>
        LengthDelimited = 2,

        /// <summary>Four little-endian bytes.</summary>
        Fixed32 = 5,
    }
}
