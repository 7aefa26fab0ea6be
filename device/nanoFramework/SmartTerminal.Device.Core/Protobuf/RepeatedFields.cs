namespace SmartTerminal.Device.Core.Protobuf
{
    /// <summary>
    /// Reads repeated scalar fields in either encoding (packed, or one tag per element), as protobuf
    /// parsers must accept both. Decoders size their arrays first with <see cref="CountElements"/>,
    /// so a large list is allocated exactly once.
    /// </summary>
    public static class RepeatedFields
    {
        /// <summary>Marks a field that is not repeated in an element-size table.</summary>
        public const int NotRepeated = int.MinValue;

        /// <summary>
        /// Counts the elements of every repeated field of the current message, then rewinds. sizes is
        /// indexed by field number (see <see cref="ProtoReader.PeekElementCount"/>; <see cref="NotRepeated"/>
        /// for other fields); counts receives the totals. Returns false on malformed input.
        /// </summary>
        public static bool CountElements(ProtoReader reader, int[] sizes, int[] counts)
        {
            int start = reader.Position;
            uint tag;
            while (reader.ReadTag(out tag))
            {
                int field = (int)(tag >> 3);
                if (field < sizes.Length && sizes[field] != NotRepeated)
                {
                    int n = reader.PeekElementCount(tag, sizes[field]);
                    if (n < 0)
                    {
                        return false;
                    }

                    counts[field] += n;
                }

                if (!reader.SkipField(tag))
                {
                    return false;
                }
            }

            return reader.Error == ProtoError.None && reader.RewindTo(start);
        }

        /// <summary>Reads one element, or a packed run, of a repeated uint32 field into target at index.</summary>
        public static bool ReadUInt32(ProtoReader reader, uint tag, uint[] target, ref int index)
        {
            if ((tag & 7) != (uint)WireType.LengthDelimited)
            {
                return Store(reader, target, ref index);
            }

            int saved;
            if (!reader.BeginNested(out saved))
            {
                return false;
            }

            while (!reader.IsAtEnd)
            {
                if (!Store(reader, target, ref index))
                {
                    return false;
                }
            }

            return reader.EndNested(saved);
        }

        /// <summary>Reads one element, or a packed run, of a repeated int32/enum field.</summary>
        public static bool ReadInt32(ProtoReader reader, uint tag, int[] target, ref int index)
        {
            if ((tag & 7) != (uint)WireType.LengthDelimited)
            {
                return StoreInt(reader, target, ref index);
            }

            int saved;
            if (!reader.BeginNested(out saved))
            {
                return false;
            }

            while (!reader.IsAtEnd)
            {
                if (!StoreInt(reader, target, ref index))
                {
                    return false;
                }
            }

            return reader.EndNested(saved);
        }

        /// <summary>Reads one element, or a packed run, of a repeated fixed32 field.</summary>
        public static bool ReadFixed32(ProtoReader reader, uint tag, uint[] target, ref int index)
        {
            if ((tag & 7) != (uint)WireType.LengthDelimited)
            {
                return StoreFixed32(reader, target, ref index);
            }

            int saved;
            if (!reader.BeginNested(out saved))
            {
                return false;
            }

            while (!reader.IsAtEnd)
            {
                if (!StoreFixed32(reader, target, ref index))
                {
                    return false;
                }
            }

            return reader.EndNested(saved);
        }

        /// <summary>Reads one element, or a packed run, of a repeated fixed64 field.</summary>
        public static bool ReadFixed64(ProtoReader reader, uint tag, ulong[] target, ref int index)
        {
            if ((tag & 7) != (uint)WireType.LengthDelimited)
            {
                return StoreFixed64(reader, target, ref index);
            }

            int saved;
            if (!reader.BeginNested(out saved))
            {
                return false;
            }

            while (!reader.IsAtEnd)
            {
                if (!StoreFixed64(reader, target, ref index))
                {
                    return false;
                }
            }

            return reader.EndNested(saved);
        }

        private static bool Store(ProtoReader reader, uint[] target, ref int index)
        {
            uint value;
            if (!reader.ReadUInt32(out value))
            {
                return false;
            }

            if (index >= target.Length)
            {
                return reader.Fail(ProtoError.ValueOutOfRange);
            }

            target[index++] = value;
            return true;
        }

        private static bool StoreInt(ProtoReader reader, int[] target, ref int index)
        {
            int value;
            if (!reader.ReadInt32(out value))
            {
                return false;
            }

            if (index >= target.Length)
            {
                return reader.Fail(ProtoError.ValueOutOfRange);
            }

            target[index++] = value;
            return true;
        }

        private static bool StoreFixed32(ProtoReader reader, uint[] target, ref int index)
        {
            uint value;
            if (!reader.ReadFixed32(out value))
            {
                return false;
            }

            if (index >= target.Length)
            {
                return reader.Fail(ProtoError.ValueOutOfRange);
            }

            target[index++] = value;
            return true;
        }

        private static bool StoreFixed64(ProtoReader reader, ulong[] target, ref int index)
        {
            ulong value;
            if (!reader.ReadFixed64(out value))
            {
                return false;
            }

            if (index >= target.Length)
            {
                return reader.Fail(ProtoError.ValueOutOfRange);
            }

            target[index++] = value;
            return true;
        }
    }
}
