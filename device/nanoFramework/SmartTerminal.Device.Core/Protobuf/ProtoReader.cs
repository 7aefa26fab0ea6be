using System;

namespace SmartTerminal.Device.Core.Protobuf
{
    /// <summary>
    /// Reads protobuf wire format from a byte array without allocating (except for strings and bytes
    /// the caller asks for). Every read checks the current limit first, so a hostile length or varint
    /// stops decoding with <see cref="Error"/> set; nothing throws and nothing loops without progress.
    /// </summary>
    /// <remarks>
    /// Typical use: <c>while (reader.ReadTag(out tag)) { switch (tag) { ... default: reader.SkipField(tag); } }</c>
    /// then check <see cref="Error"/>. Reads after an error keep returning false.
    /// </remarks>
    public sealed class ProtoReader
    {
        /// <summary>Deepest nesting of messages accepted.</summary>
        public const int MaxDepth = 16;

        /// <summary>Element size for <see cref="PeekElementCount"/>: the field holds messages (never packed).</summary>
        public const int MessageElements = -1;

        /// <summary>Element size for <see cref="PeekElementCount"/>: the field holds varints.</summary>
        public const int VarintElements = 0;

        private static readonly byte[] s_empty = new byte[0];

        private byte[] _buffer;
        private int _position;
        private int _limit;
        private int _depth;
        private ProtoError _error;

        /// <summary>Reads the whole of <paramref name="buffer"/>.</summary>
        public ProtoReader(byte[] buffer)
        {
            Reset(buffer, 0, buffer == null ? 0 : buffer.Length);
        }

        /// <summary>Reads <paramref name="count"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/>.</summary>
        public ProtoReader(byte[] buffer, int offset, int count)
        {
            Reset(buffer, offset, count);
        }

        /// <summary>The first error met, or <see cref="ProtoError.None"/>.</summary>
        public ProtoError Error
        {
            get { return _error; }
        }

        /// <summary>The underlying buffer (slices returned by <see cref="ReadLengthDelimited"/> index into it).</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <summary>Current read position in <see cref="Buffer"/>.</summary>
        public int Position
        {
            get { return _position; }
        }

        /// <summary>True when the current message (or the whole input) has been read.</summary>
        public bool IsAtEnd
        {
            get { return _position >= _limit; }
        }

        /// <summary>Starts reading another range, clearing any error.</summary>
        public void Reset(byte[] buffer, int offset, int count)
        {
            _depth = 0;
            _error = ProtoError.None;
            if (buffer == null || offset < 0 || count < 0 || offset > buffer.Length - count)
            {
                _buffer = s_empty;
                _position = 0;
                _limit = 0;
                _error = ProtoError.InvalidArgument;
                return;
            }

            _buffer = buffer;
            _position = offset;
            _limit = offset + count;
        }

        /// <summary>
        /// Moves back to a position read earlier in the current message (a second pass over it).
        /// </summary>
        public bool RewindTo(int position)
        {
            if (position < 0 || position > _limit || position > _position)
            {
                return Fail(ProtoError.InvalidArgument);
            }

            _position = position;
            return true;
        }

        /// <summary>Records <paramref name="error"/> unless an earlier error is already recorded; returns false.</summary>
        public bool Fail(ProtoError error)
        {
            if (_error == ProtoError.None)
            {
                _error = error;
            }

            return false;
        }

        /// <summary>
        /// Reads the next tag (field number shifted left by 3, or-ed with the wire type). Returns false at
        /// the end of the current message or on an error.
        /// </summary>
        public bool ReadTag(out uint tag)
        {
            tag = 0;
            if (_error != ProtoError.None || _position >= _limit)
            {
                return false;
            }

            if (!ReadVarint32(out tag))
            {
                return false;
            }

            if ((tag >> 3) == 0)
            {
                return Fail(ProtoError.InvalidTag);
            }

            int wireType = (int)(tag & 7);
            if (wireType != 0 && wireType != 1 && wireType != 2 && wireType != 5)
            {
                return Fail(ProtoError.InvalidWireType);
            }

            return true;
        }

        /// <summary>Reads a varint of up to 10 bytes.</summary>
        public bool ReadVarint64(out ulong value)
        {
            value = 0;
            if (_error != ProtoError.None)
            {
                return false;
            }

            int shift = 0;
            for (int i = 0; i < 10; i++)
            {
                if (_position >= _limit)
                {
                    return Fail(ProtoError.Truncated);
                }

                byte b = _buffer[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return true;
                }

                shift += 7;
            }

            return Fail(ProtoError.VarintTooLong);
        }

        /// <summary>
        /// Reads a varint and keeps its low 32 bits, as protobuf does for 32-bit fields (a negative int32
        /// is written as 10 bytes).
        /// </summary>
        public bool ReadVarint32(out uint value)
        {
            ulong wide;
            bool ok = ReadVarint64(out wide);
            value = (uint)wide;
            return ok;
        }

        /// <summary>Reads a uint64 field.</summary>
        public bool ReadUInt64(out ulong value)
        {
            return ReadVarint64(out value);
        }

        /// <summary>Reads a uint32 field.</summary>
        public bool ReadUInt32(out uint value)
        {
            return ReadVarint32(out value);
        }

        /// <summary>Reads an int64 field.</summary>
        public bool ReadInt64(out long value)
        {
            ulong raw;
            bool ok = ReadVarint64(out raw);
            value = (long)raw;
            return ok;
        }

        /// <summary>Reads an int32 or enum field.</summary>
        public bool ReadInt32(out int value)
        {
            uint raw;
            bool ok = ReadVarint32(out raw);
            value = (int)raw;
            return ok;
        }

        /// <summary>Reads a sint32 (zigzag) field.</summary>
        public bool ReadSInt32(out int value)
        {
            uint raw;
            bool ok = ReadVarint32(out raw);
            value = (int)(raw >> 1) ^ -(int)(raw & 1);
            return ok;
        }

        /// <summary>Reads a sint64 (zigzag) field.</summary>
        public bool ReadSInt64(out long value)
        {
            ulong raw;
            bool ok = ReadVarint64(out raw);
            value = (long)(raw >> 1) ^ -(long)(raw & 1);
            return ok;
        }

        /// <summary>Reads a bool field (any non-zero varint is true).</summary>
        public bool ReadBool(out bool value)
        {
            ulong raw;
            bool ok = ReadVarint64(out raw);
            value = raw != 0;
            return ok;
        }

        /// <summary>Reads a fixed32 field.</summary>
        public bool ReadFixed32(out uint value)
        {
            value = 0;
            if (_error != ProtoError.None)
            {
                return false;
            }

            if (_limit - _position < 4)
            {
                return Fail(ProtoError.Truncated);
            }

            value = (uint)(_buffer[_position]
                | (_buffer[_position + 1] << 8)
                | (_buffer[_position + 2] << 16)
                | (_buffer[_position + 3] << 24));
            _position += 4;
            return true;
        }

        /// <summary>Reads a fixed64 field.</summary>
        public bool ReadFixed64(out ulong value)
        {
            value = 0;
            uint low;
            uint high;
            if (!ReadFixed32(out low) || !ReadFixed32(out high))
            {
                return false;
            }

            value = low | ((ulong)high << 32);
            return true;
        }

        /// <summary>Reads an sfixed32 field.</summary>
        public bool ReadSFixed32(out int value)
        {
            uint raw;
            bool ok = ReadFixed32(out raw);
            value = (int)raw;
            return ok;
        }

        /// <summary>Reads an sfixed64 field.</summary>
        public bool ReadSFixed64(out long value)
        {
            ulong raw;
            bool ok = ReadFixed64(out raw);
            value = (long)raw;
            return ok;
        }

        /// <summary>
        /// Reads a length prefix and returns the slice it covers, as an offset into <see cref="Buffer"/>,
        /// without copying. The slice must lie inside the current message.
        /// </summary>
        public bool ReadLengthDelimited(out int offset, out int length)
        {
            offset = 0;
            length = 0;
            uint raw;
            if (!ReadVarint32(out raw))
            {
                return false;
            }

            // A length is a 32-bit varint; anything above the remaining bytes is hostile or truncated.
            if (raw > (uint)(_limit - _position))
            {
                return Fail(ProtoError.LengthOutOfRange);
            }

            offset = _position;
            length = (int)raw;
            _position += length;
            return true;
        }

        /// <summary>Reads a bytes field into a new array.</summary>
        public bool ReadBytes(out byte[] value)
        {
            value = null;
            int offset;
            int length;
            if (!ReadLengthDelimited(out offset, out length))
            {
                return false;
            }

            value = new byte[length];
            Array.Copy(_buffer, offset, value, 0, length);
            return true;
        }

        /// <summary>Reads a string field; invalid UTF-8 is an error.</summary>
        public bool ReadString(out string value)
        {
            value = null;
            int offset;
            int length;
            if (!ReadLengthDelimited(out offset, out length))
            {
                return false;
            }

            if (!Utf8.TryDecode(_buffer, offset, length, out value))
            {
                return Fail(ProtoError.InvalidUtf8);
            }

            return true;
        }

        /// <summary>
        /// Enters a nested message (or packed field): reads its length and limits reading to it.
        /// Pass <paramref name="savedLimit"/> to <see cref="EndNested"/> afterwards.
        /// </summary>
        public bool BeginNested(out int savedLimit)
        {
            savedLimit = _limit;
            int offset;
            int length;
            if (_depth >= MaxDepth)
            {
                return Fail(ProtoError.TooDeep);
            }

            if (!ReadLengthDelimited(out offset, out length))
            {
                return false;
            }

            _position = offset;
            _limit = offset + length;
            _depth++;
            return true;
        }

        /// <summary>Leaves a nested message: skips what the caller did not read and restores the outer limit.</summary>
        public bool EndNested(int savedLimit)
        {
            if (_error != ProtoError.None)
            {
                return false;
            }

            _position = _limit;
            _limit = savedLimit;
            _depth--;
            return true;
        }

        /// <summary>Skips the value of a field with the given tag (unknown fields are skipped this way).</summary>
        public bool SkipField(uint tag)
        {
            switch ((WireType)(tag & 7))
            {
                case WireType.Varint:
                    ulong ignoredVarint;
                    return ReadVarint64(out ignoredVarint);
                case WireType.Fixed64:
                    return Advance(8);
                case WireType.Fixed32:
                    return Advance(4);
                case WireType.LengthDelimited:
                    int offset;
                    int length;
                    return ReadLengthDelimited(out offset, out length);
                default:
                    return Fail(ProtoError.InvalidWireType);
            }
        }

        /// <summary>
        /// Number of elements in the value that follows a tag of a repeated field, without consuming it:
        /// 1 for an unpacked element or a message, the element count of a packed run, or 0 for a wire
        /// type that does not fit the field (decoders skip such values). elementSize is
        /// 4 or 8 for fixed-size elements, <see cref="VarintElements"/> or <see cref="MessageElements"/>.
        /// Returns -1 (with <see cref="Error"/> set) when the value is malformed.
        /// </summary>
        public int PeekElementCount(uint tag, int elementSize)
        {
            WireType wireType = (WireType)(tag & 7);
            if (wireType != WireType.LengthDelimited)
            {
                // One unpacked element, if its wire type fits the field; otherwise decoders skip it.
                bool fits = (elementSize == VarintElements && wireType == WireType.Varint)
                    || (elementSize == 4 && wireType == WireType.Fixed32)
                    || (elementSize == 8 && wireType == WireType.Fixed64);
                return fits ? 1 : 0;
            }

            if (elementSize == MessageElements)
            {
                return 1;
            }

            int start = _position;
            int offset;
            int length;
            if (!ReadLengthDelimited(out offset, out length))
            {
                return -1;
            }

            _position = start;
            if (elementSize > 0)
            {
                if (length % elementSize != 0)
                {
                    Fail(ProtoError.MalformedPacked);
                    return -1;
                }

                return length / elementSize;
            }

            int count = 0;
            for (int i = offset; i < offset + length; i++)
            {
                if ((_buffer[i] & 0x80) == 0)
                {
                    count++;
                }
            }

            if (length > 0 && (_buffer[offset + length - 1] & 0x80) != 0)
            {
                Fail(ProtoError.Truncated);
                return -1;
            }

            return count;
        }

        private bool Advance(int count)
        {
            if (_error != ProtoError.None)
            {
                return false;
            }

            if (_limit - _position < count)
            {
                return Fail(ProtoError.Truncated);
            }

            _position += count;
            return true;
        }
    }
}
