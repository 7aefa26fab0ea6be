using System;

namespace SmartTerminal.Device.Core.Protobuf
{
    /// <summary>
    /// Writes protobuf wire format into a growable byte array. Fields are written in the order the
    /// caller writes them; the message codecs write them in field-number order and skip default
    /// values, as Google.Protobuf does, so both produce the same bytes.
    /// </summary>
    public sealed class ProtoWriter
    {
        private byte[] _buffer;
        private int _length;

        /// <summary>Creates a writer with an initial capacity in bytes.</summary>
        public ProtoWriter(int capacity)
        {
            _buffer = new byte[capacity < 16 ? 16 : capacity];
        }

        /// <summary>Bytes written so far.</summary>
        public int Length
        {
            get { return _length; }
        }

        /// <summary>The internal buffer; the first <see cref="Length"/> bytes are the output.</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <summary>Forgets what was written, keeping the buffer for reuse.</summary>
        public void Clear()
        {
            _length = 0;
        }

        /// <summary>Copies the output into a new array of exactly <see cref="Length"/> bytes.</summary>
        public byte[] ToArray()
        {
            byte[] result = new byte[_length];
            Array.Copy(_buffer, 0, result, 0, _length);
            return result;
        }

        /// <summary>Writes a tag.</summary>
        public void WriteTag(int fieldNumber, WireType wireType)
        {
            WriteVarint((ulong)(((uint)fieldNumber << 3) | (uint)wireType));
        }

        /// <summary>Writes a raw varint.</summary>
        public void WriteVarint(ulong value)
        {
            Ensure(10);
            while (value >= 0x80)
            {
                _buffer[_length++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _buffer[_length++] = (byte)value;
        }

        /// <summary>Writes four little-endian bytes.</summary>
        public void WriteRawFixed32(uint value)
        {
            Ensure(4);
            _buffer[_length++] = (byte)value;
            _buffer[_length++] = (byte)(value >> 8);
            _buffer[_length++] = (byte)(value >> 16);
            _buffer[_length++] = (byte)(value >> 24);
        }

        /// <summary>Writes eight little-endian bytes.</summary>
        public void WriteRawFixed64(ulong value)
        {
            WriteRawFixed32((uint)value);
            WriteRawFixed32((uint)(value >> 32));
        }

        /// <summary>Writes a uint64 field unless it is 0.</summary>
        public void WriteUInt64(int fieldNumber, ulong value)
        {
            if (value != 0)
            {
                WriteTag(fieldNumber, WireType.Varint);
                WriteVarint(value);
            }
        }

        /// <summary>Writes a uint32 field unless it is 0.</summary>
        public void WriteUInt32(int fieldNumber, uint value)
        {
            WriteUInt64(fieldNumber, value);
        }

        /// <summary>Writes an int64 field unless it is 0.</summary>
        public void WriteInt64(int fieldNumber, long value)
        {
            WriteUInt64(fieldNumber, (ulong)value);
        }

        /// <summary>Writes an int32 or enum field unless it is 0 (negative values take 10 bytes, as in protobuf).</summary>
        public void WriteInt32(int fieldNumber, int value)
        {
            WriteUInt64(fieldNumber, (ulong)(long)value);
        }

        /// <summary>Writes a sint32 (zigzag) field unless it is 0.</summary>
        public void WriteSInt32(int fieldNumber, int value)
        {
            WriteUInt64(fieldNumber, ZigZag32(value));
        }

        /// <summary>Writes a sint64 (zigzag) field unless it is 0.</summary>
        public void WriteSInt64(int fieldNumber, long value)
        {
            WriteUInt64(fieldNumber, ZigZag64(value));
        }

        /// <summary>Writes a bool field unless it is false.</summary>
        public void WriteBool(int fieldNumber, bool value)
        {
            if (value)
            {
                WriteTag(fieldNumber, WireType.Varint);
                WriteVarint(1);
            }
        }

        /// <summary>Writes a fixed32 field unless it is 0.</summary>
        public void WriteFixed32(int fieldNumber, uint value)
        {
            if (value != 0)
            {
                WriteTag(fieldNumber, WireType.Fixed32);
                WriteRawFixed32(value);
            }
        }

        /// <summary>Writes a fixed64 field unless it is 0.</summary>
        public void WriteFixed64(int fieldNumber, ulong value)
        {
            if (value != 0)
            {
                WriteTag(fieldNumber, WireType.Fixed64);
                WriteRawFixed64(value);
            }
        }

        /// <summary>Writes a string field unless it is null or empty.</summary>
        public void WriteString(int fieldNumber, string value)
        {
            if (value != null && value.Length != 0)
            {
                WriteRepeatedString(fieldNumber, value);
            }
        }

        /// <summary>Writes one element of a repeated string field (empty elements are written too).</summary>
        public void WriteRepeatedString(int fieldNumber, string value)
        {
            if (value == null)
            {
                value = string.Empty;
            }

            int byteCount = Utf8.GetByteCount(value);
            WriteTag(fieldNumber, WireType.LengthDelimited);
            WriteVarint((uint)byteCount);
            Ensure(byteCount);
            _length += Utf8.GetBytes(value, _buffer, _length);
        }

        /// <summary>Writes a bytes field unless it is null or empty.</summary>
        public void WriteBytes(int fieldNumber, byte[] value)
        {
            if (value != null)
            {
                WriteBytes(fieldNumber, value, 0, value.Length);
            }
        }

        /// <summary>Writes a bytes field from a slice unless the slice is empty.</summary>
        public void WriteBytes(int fieldNumber, byte[] value, int offset, int count)
        {
            if (count == 0)
            {
                return;
            }

            WriteTag(fieldNumber, WireType.LengthDelimited);
            WriteVarint((uint)count);
            Ensure(count);
            Array.Copy(value, offset, _buffer, _length, count);
            _length += count;
        }

        /// <summary>Writes a packed repeated uint32 field unless the array is null or empty.</summary>
        public void WritePackedUInt32(int fieldNumber, uint[] values)
        {
            if (values == null || values.Length == 0)
            {
                return;
            }

            int size = 0;
            for (int i = 0; i < values.Length; i++)
            {
                size += VarintSize(values[i]);
            }

            WriteTag(fieldNumber, WireType.LengthDelimited);
            WriteVarint((uint)size);
            for (int i = 0; i < values.Length; i++)
            {
                WriteVarint(values[i]);
            }
        }

        /// <summary>Writes a packed repeated int32/enum field unless the array is null or empty.</summary>
        public void WritePackedInt32(int fieldNumber, int[] values)
        {
            if (values == null || values.Length == 0)
            {
                return;
            }

            int size = 0;
            for (int i = 0; i < values.Length; i++)
            {
                size += VarintSize((ulong)(long)values[i]);
            }

            WriteTag(fieldNumber, WireType.LengthDelimited);
            WriteVarint((uint)size);
            for (int i = 0; i < values.Length; i++)
            {
                WriteVarint((ulong)(long)values[i]);
            }
        }

        /// <summary>Writes a packed repeated fixed32 field unless the array is null or empty.</summary>
        public void WritePackedFixed32(int fieldNumber, uint[] values)
        {
            if (values == null || values.Length == 0)
            {
                return;
            }

            WriteTag(fieldNumber, WireType.LengthDelimited);
            WriteVarint((uint)(values.Length * 4));
            Ensure(values.Length * 4);
            for (int i = 0; i < values.Length; i++)
            {
                WriteRawFixed32(values[i]);
            }
        }

        /// <summary>Writes a packed repeated fixed64 field unless the array is null or empty.</summary>
        public void WritePackedFixed64(int fieldNumber, ulong[] values)
        {
            if (values == null || values.Length == 0)
            {
                return;
            }

            WriteTag(fieldNumber, WireType.LengthDelimited);
            WriteVarint((uint)(values.Length * 8));
            Ensure(values.Length * 8);
            for (int i = 0; i < values.Length; i++)
            {
                WriteRawFixed64(values[i]);
            }
        }

        /// <summary>
        /// Starts a nested message field: writes its tag and reserves one byte for the length. Returns a
        /// mark to pass to <see cref="EndNested"/>, which fills in the length.
        /// </summary>
        public int BeginNested(int fieldNumber)
        {
            WriteTag(fieldNumber, WireType.LengthDelimited);
            Ensure(1);
            _length++;
            return _length;
        }

        /// <summary>Completes a nested message started with <see cref="BeginNested"/>.</summary>
        public void EndNested(int mark)
        {
            int contentLength = _length - mark;
            int prefixSize = VarintSize((uint)contentLength);
            if (prefixSize > 1)
            {
                // Most nested messages are under 128 bytes; larger ones shift their content once.
                Ensure(prefixSize - 1);
                Array.Copy(_buffer, mark, _buffer, mark + prefixSize - 1, contentLength);
                _length += prefixSize - 1;
            }

            int position = mark - 1;
            uint value = (uint)contentLength;
            while (value >= 0x80)
            {
                _buffer[position++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _buffer[position] = (byte)value;
        }

        /// <summary>Bytes a varint of <paramref name="value"/> takes.</summary>
        public static int VarintSize(ulong value)
        {
            int size = 1;
            while (value >= 0x80)
            {
                value >>= 7;
                size++;
            }

            return size;
        }

        /// <summary>Zigzag-encodes a 32-bit value.</summary>
        public static uint ZigZag32(int value)
        {
            return (uint)((value << 1) ^ (value >> 31));
        }

        /// <summary>Zigzag-encodes a 64-bit value.</summary>
        public static ulong ZigZag64(long value)
        {
            return (ulong)((value << 1) ^ (value >> 63));
        }

        private void Ensure(int extra)
        {
            if (_buffer.Length - _length >= extra)
            {
                return;
            }

            int capacity = _buffer.Length * 2;
            if (capacity - _length < extra)
            {
                capacity = _length + extra;
            }

            byte[] grown = new byte[capacity];
            Array.Copy(_buffer, 0, grown, 0, _length);
            _buffer = grown;
        }
    }
}
