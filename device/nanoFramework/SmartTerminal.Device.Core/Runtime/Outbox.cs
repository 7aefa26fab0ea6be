using System.Collections;
using SmartTerminal.Device.Core.Hashing;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>
    /// The durable outbox (design brief section 2): every uplink message stays in flash until the
    /// service acknowledges its sequence number. Records are appended to numbered segment files, each
    /// record framed as "ST" | length (2) | sequence (8) | CRC-32 (4) | payload, so a power cut at any
    /// byte leaves at most one torn record at the end of the last segment, which recovery cuts off.
    /// A segment is deleted once all its records are acknowledged; a small metadata file (replaced
    /// atomically) remembers the first live segment and the acknowledged sequence.
    /// </summary>
    public sealed class Outbox
    {
        /// <summary>Bytes of a record's frame.</summary>
        public const int HeaderLength = 16;

        private const string MetaFile = "outbox.meta";
        private const uint MetaMagic = 0x4D425453; // "STBM"
        private const int MetaLength = 20;

        private readonly IStorage _storage;
        private readonly int _capacity;
        private readonly int _segmentBytes;
        private readonly ArrayList _segments = new ArrayList();
        private readonly byte[] _header = new byte[HeaderLength];
        private readonly byte[] _meta = new byte[MetaLength];
        private uint _firstSegment;
        private ulong _ackedThrough;

        /// <summary>An outbox of at most capacityBytes in segments of segmentBytes.</summary>
        public Outbox(IStorage storage, int capacityBytes, int segmentBytes)
        {
            _storage = storage;
            _capacity = capacityBytes;
            _segmentBytes = segmentBytes;
        }

        /// <summary>Largest payload a record can carry.</summary>
        public int MaxPayload
        {
            get { return _segmentBytes - HeaderLength; }
        }

        /// <summary>Highest sequence number stored (0 when none ever was).</summary>
        public ulong LastSequence { get; private set; }

        /// <summary>Highest sequence number the service acknowledged.</summary>
        public ulong AckedThrough
        {
            get { return _ackedThrough; }
        }

        /// <summary>Bytes held in flash, acknowledged records of a live segment included.</summary>
        public int StoredBytes
        {
            get
            {
                int total = 0;
                for (int i = 0; i < _segments.Count; i++)
                {
                    total += ((OutboxSegment)_segments[i]).Length;
                }

                return total;
            }
        }

        /// <summary>Messages not yet acknowledged.</summary>
        public int PendingMessages
        {
            get { return LastSequence > _ackedThrough ? (int)(LastSequence - _ackedThrough) : 0; }
        }

        /// <summary>
        /// Reads the metadata and every segment, cuts off a torn or corrupted tail, and removes segments
        /// that a power cut left behind. Returns the number of records still pending.
        /// </summary>
        public int Recover(byte[] scratch)
        {
            ReadMeta();
            for (uint orphan = _firstSegment; orphan > 0 && _storage.Length(SegmentName(orphan - 1)) >= 0; orphan--)
            {
                _storage.Delete(SegmentName(orphan - 1));
            }

            _segments.Clear();
            ulong previous = 0;
            bool damaged = false;
            for (uint number = _firstSegment; _storage.Length(SegmentName(number)) >= 0; number++)
            {
                if (damaged)
                {
                    _storage.Delete(SegmentName(number));
                    continue;
                }

                OutboxSegment segment = ScanSegment(number, scratch, ref previous, out damaged);
                if (segment.Records > 0)
                {
                    _segments.Add(segment);
                }
                else
                {
                    _storage.Delete(SegmentName(number));
                }
            }

            LastSequence = previous > _ackedThrough ? previous : _ackedThrough;
            return PendingMessages;
        }

        /// <summary>Stores a message under its sequence number (strictly above every stored one).</summary>
        public AppendResult TryAppend(ulong sequence, byte[] payload, int offset, int count)
        {
            if (count > MaxPayload)
            {
                return AppendResult.TooLarge;
            }

            if (sequence <= LastSequence)
            {
                return AppendResult.OutOfOrder;
            }

            int recordLength = HeaderLength + count;
            if (StoredBytes + recordLength > _capacity)
            {
                return AppendResult.Full;
            }

            OutboxSegment current = _segments.Count == 0 ? null : (OutboxSegment)_segments[_segments.Count - 1];
            if (current == null || current.Length + recordLength > _segmentBytes)
            {
                current = new OutboxSegment();
                current.Number = _segments.Count == 0 ? _firstSegment : ((OutboxSegment)_segments[_segments.Count - 1]).Number + 1;
                current.FirstSequence = sequence;
                _segments.Add(current);
            }

            WriteHeader(sequence, payload, offset, count);
            string name = SegmentName(current.Number);
            _storage.Append(name, _header, 0, HeaderLength);
            _storage.Append(name, payload, offset, count);
            current.Length += recordLength;
            current.LastSequence = sequence;
            current.Records++;
            LastSequence = sequence;
            return AppendResult.Appended;
        }

        /// <summary>The service stored everything up to this sequence: fully acknowledged segments are deleted.</summary>
        public void Acknowledge(ulong through)
        {
            if (through <= _ackedThrough)
            {
                return;
            }

            // The service can only acknowledge what the device sent; anything above is ignored.
            _ackedThrough = through > LastSequence ? LastSequence : through;
            int drop = 0;
            while (drop < _segments.Count && ((OutboxSegment)_segments[drop]).LastSequence <= _ackedThrough)
            {
                drop++;
            }

            if (drop > 0)
            {
                OutboxSegment last = (OutboxSegment)_segments[drop - 1];
                _firstSegment = last.Number + 1;
            }

            // Metadata first: a power cut after it leaves only orphan files, which recovery deletes.
            WriteMeta();
            for (int i = 0; i < drop; i++)
            {
                _storage.Delete(SegmentName(((OutboxSegment)_segments[0]).Number));
                _segments.RemoveAt(0);
            }
        }

        /// <summary>
        /// Copies the payload of the first pending record with a sequence above afterSequence into buffer
        /// (at least <see cref="MaxPayload"/> bytes). Returns its length, or -1 when there is none.
        /// </summary>
        public int ReadAfter(ulong afterSequence, byte[] buffer, out ulong sequence)
        {
            sequence = 0;
            if (afterSequence < _ackedThrough)
            {
                afterSequence = _ackedThrough;
            }

            for (int i = 0; i < _segments.Count; i++)
            {
                OutboxSegment segment = (OutboxSegment)_segments[i];
                if (segment.LastSequence <= afterSequence)
                {
                    continue;
                }

                string name = SegmentName(segment.Number);
                int position = 0;
                while (position < segment.Length)
                {
                    _storage.ReadAt(name, position, _header, 0, HeaderLength);
                    int length = _header[2] | (_header[3] << 8);
                    ulong current = LittleEndian.ReadUInt64(_header, 4);
                    if (current > afterSequence)
                    {
                        _storage.ReadAt(name, position + HeaderLength, buffer, 0, length);
                        sequence = current;
                        return length;
                    }

                    position += HeaderLength + length;
                }
            }

            return -1;
        }

        // Sequences must rise record by record across segments; acknowledged records may remain in the
        // first segment until the whole segment is acknowledged.
        private OutboxSegment ScanSegment(uint number, byte[] scratch, ref ulong previous, out bool damaged)
        {
            damaged = false;
            string name = SegmentName(number);
            int fileLength = _storage.Length(name);
            OutboxSegment segment = new OutboxSegment();
            segment.Number = number;
            int position = 0;
            while (position < fileLength)
            {
                if (fileLength - position < HeaderLength || _storage.ReadAt(name, position, _header, 0, HeaderLength) < HeaderLength)
                {
                    damaged = true;
                    break;
                }

                int length = _header[2] | (_header[3] << 8);
                ulong sequence = LittleEndian.ReadUInt64(_header, 4);
                bool valid = _header[0] == (byte)'S' && _header[1] == (byte)'T'
                    && length <= MaxPayload && position + HeaderLength + length <= fileLength
                    && sequence > previous
                    && _storage.ReadAt(name, position + HeaderLength, scratch, 0, length) == length
                    && LittleEndian.ReadUInt32(_header, 12) == RecordCrc(_header, scratch, 0, length);
                if (!valid)
                {
                    damaged = true;
                    break;
                }

                if (segment.Records == 0)
                {
                    segment.FirstSequence = sequence;
                }

                segment.LastSequence = sequence;
                segment.Records++;
                previous = sequence;
                position += HeaderLength + length;
            }

            if (damaged)
            {
                _storage.Truncate(name, position);
            }

            segment.Length = position;
            return segment;
        }

        private void WriteHeader(ulong sequence, byte[] payload, int offset, int count)
        {
            _header[0] = (byte)'S';
            _header[1] = (byte)'T';
            _header[2] = (byte)count;
            _header[3] = (byte)(count >> 8);
            LittleEndian.Write(_header, 4, sequence);
            LittleEndian.Write(_header, 12, RecordCrc(_header, payload, offset, count));
        }

        // CRC over the frame's first 12 bytes and the payload; the CRC field itself is left out.
        private static uint RecordCrc(byte[] header, byte[] payload, int offset, int count)
        {
            uint crc = Crc32.Continue(0xFFFFFFFF, header, 0, 12);
            return ~Crc32.Continue(crc, payload, offset, count);
        }

        private void ReadMeta()
        {
            byte[] meta = _storage.Read(MetaFile);
            _firstSegment = 0;
            _ackedThrough = 0;
            if (meta != null && meta.Length == MetaLength && LittleEndian.ReadUInt32(meta, 0) == MetaMagic
                && LittleEndian.ReadUInt32(meta, 16) == Crc32.Compute(meta, 0, 16))
            {
                _firstSegment = LittleEndian.ReadUInt32(meta, 4);
                _ackedThrough = LittleEndian.ReadUInt64(meta, 8);
            }
        }

        private void WriteMeta()
        {
            LittleEndian.Write(_meta, 0, MetaMagic);
            LittleEndian.Write(_meta, 4, _firstSegment);
            LittleEndian.Write(_meta, 8, _ackedThrough);
            LittleEndian.Write(_meta, 16, Crc32.Compute(_meta, 0, 16));
            _storage.Write(MetaFile, _meta, MetaLength);
        }

        private static string SegmentName(uint number)
        {
            return "outbox-" + number.ToString() + ".log";
        }
    }
}
