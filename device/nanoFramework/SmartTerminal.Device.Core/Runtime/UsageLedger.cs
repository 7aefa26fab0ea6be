using SmartTerminal.Device.Core.Hashing;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Platform;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>
    /// Aggregates usage per category and app into 5-minute buckets, and collects enforcement events,
    /// until they become uplink messages. Persisted (atomically, CRC-checked) so that a reboot loses
    /// nothing already counted. When the table fills up (the outbox is full because the device has been
    /// offline for long), old buckets are merged into coarser ones instead of being dropped, and an
    /// OUTBOX_MERGED event says so.
    /// </summary>
    public sealed class UsageLedger : IEnforcementEventSink
    {
        /// <summary>Length of a usage bucket.</summary>
        public const int BucketSeconds = 300;

        /// <summary>Buckets held at most.</summary>
        public const int MaxBuckets = 48;

        /// <summary>Events held at most.</summary>
        public const int MaxEvents = 32;

        private const string FileName = "ledger.bin";
        private const uint Magic = 0x47444C53; // "SLDG"

        private readonly IStorage _storage;
        private readonly long[] _start = new long[MaxBuckets];
        private readonly uint[] _length = new uint[MaxBuckets];
        private readonly int[] _category = new int[MaxBuckets];
        private readonly uint[] _app = new uint[MaxBuckets];
        private readonly uint[] _used = new uint[MaxBuckets];
        private readonly bool[] _pending = new bool[MaxBuckets];
        private readonly long[] _eventAt = new long[MaxEvents];
        private readonly int[] _eventKind = new int[MaxEvents];
        private readonly int[] _eventReason = new int[MaxEvents];
        private readonly uint[] _eventSubject = new uint[MaxEvents];
        private readonly long[] _eventDetail = new long[MaxEvents];
        private readonly byte[] _buffer = new byte[64 + (MaxBuckets * 29) + (MaxEvents * 28)];
        private int _buckets;
        private int _events;
        private int _pendingEvents;
        private uint _mergedRecords;
        private uint _droppedEvents;
        private bool _dirty;

        /// <summary>Uses the given storage (file ledger.bin).</summary>
        public UsageLedger(IStorage storage)
        {
            _storage = storage;
        }

        /// <summary>Next sequence number to assign (persisted with the ledger).</summary>
        public ulong NextSequence = 1;

        /// <summary>Sequence of a message built but not yet confirmed in the outbox; 0 when none.</summary>
        public ulong PendingSequence;

        /// <summary>Buckets held.</summary>
        public int BucketCount
        {
            get { return _buckets; }
        }

        /// <summary>Events held.</summary>
        public int EventCount
        {
            get { return _events; }
        }

        /// <summary>True when something changed since the last save.</summary>
        public bool IsDirty
        {
            get { return _dirty; }
        }

        /// <inheritdoc />
        public void RecordUsage(long atUnix, int category, uint appId, uint seconds)
        {
            // The seconds are the interval that ends at atUnix (one accounting step, or a reboot gap): each
            // 5-minute bucket gets its own part of it, so no record says more use than its bucket is long.
            // Parts older than two buckets become one record as long as they are (used = length).
            long end = atUnix;
            uint left = seconds;
            for (int part = 0; left > 0; part++)
            {
                long start = end - 1 - ((((end - 1) % BucketSeconds) + BucketSeconds) % BucketSeconds);
                if (part == 2 && left > end - start)
                {
                    AddBucket(end - left, left, category, appId, left);
                    return;
                }

                uint here = left < end - start ? left : (uint)(end - start);
                AddToBucket(start, category, appId, here);
                left -= here;
                end = start;
            }
        }

        // Adds seconds to the open 5-minute bucket of that start, category and app (or a new one). What
        // would make it fuller than it is long (whole seconds carried over between accounting steps) goes
        // to the bucket before it, so totals stay exact and no record claims more than its length.
        private void AddToBucket(long start, int category, uint appId, uint seconds)
        {
            for (int i = 0; i < _buckets; i++)
            {
                if (!_pending[i] && _start[i] == start && _length[i] == BucketSeconds && _category[i] == category && _app[i] == appId)
                {
                    uint room = _used[i] < BucketSeconds ? BucketSeconds - _used[i] : 0;
                    uint here = seconds < room ? seconds : room;
                    _used[i] += here;
                    _dirty = true;
                    if (seconds > here)
                    {
                        AddToBucket(start - BucketSeconds, category, appId, seconds - here);
                    }

                    return;
                }
            }

            AddBucket(start, BucketSeconds, category, appId, seconds);
        }

        private void AddBucket(long start, uint length, int category, uint appId, uint seconds)
        {
            if (_buckets == MaxBuckets)
            {
                MergeOldest(start);
            }

            if (_buckets == MaxBuckets)
            {
                // Everything held is current or in flight: fold this into its category's open bucket,
                // which then spans the time it covers (a record never says more use than its length).
                for (int i = 0; i < _buckets; i++)
                {
                    if (!_pending[i] && _category[i] == category)
                    {
                        _used[i] += seconds;
                        if (start < _start[i])
                        {
                            _length[i] += (uint)(_start[i] - start);
                            _start[i] = start;
                        }

                        if (_used[i] > _length[i])
                        {
                            _length[i] = _used[i];
                        }

                        _dirty = true;
                        return;
                    }
                }

                _droppedEvents++;
                _dirty = true;
                return;
            }

            _start[_buckets] = start;
            _length[_buckets] = length;
            _category[_buckets] = category;
            _app[_buckets] = appId;
            _used[_buckets] = seconds;
            _pending[_buckets] = false;
            _buckets++;
            _dirty = true;
        }

        /// <inheritdoc />
        public void Record(long atUnix, int kind, int reason, uint subject, long detail)
        {
            if (_events == MaxEvents)
            {
                _droppedEvents++;
                _dirty = true;
                return;
            }

            _eventAt[_events] = atUnix;
            _eventKind[_events] = kind;
            _eventReason[_events] = reason;
            _eventSubject[_events] = subject;
            _eventDetail[_events] = detail;
            _events++;
            _dirty = true;
        }

        /// <summary>
        /// The start of the oldest bucket still held (not yet in a message), or nowUnix when none is:
        /// every use recorded before it is in the outbox already.
        /// </summary>
        public long HeldSinceUnix(long nowUnix)
        {
            long oldest = nowUnix;
            for (int i = 0; i < _buckets; i++)
            {
                if (_start[i] < oldest)
                {
                    oldest = _start[i];
                }
            }

            return oldest;
        }

        /// <summary>
        /// Writes an uplink with the closed buckets (ended by nowUnix) as a usage batch, marks them
        /// pending under <see cref="NextSequence"/> and returns true; false when no bucket is closed.
        /// </summary>
        public bool BuildUsage(ProtoWriter writer, long nowUnix, long createdAtMs, int maxRecords)
        {
            int taken = 0;
            for (int i = 0; i < _buckets && taken < maxRecords; i++)
            {
                if (_start[i] + _length[i] <= nowUnix)
                {
                    _pending[i] = true;
                    taken++;
                }
            }

            if (taken == 0)
            {
                return false;
            }

            writer.Clear();
            writer.WriteUInt64(1, NextSequence);
            writer.WriteInt64(2, createdAtMs);
            int batch = writer.BeginNested(10);
            for (int i = 0; i < _buckets; i++)
            {
                if (_pending[i])
                {
                    int record = writer.BeginNested(1);
                    writer.WriteInt64(1, _start[i]);
                    writer.WriteUInt32(2, _length[i]);
                    writer.WriteInt32(3, _category[i]);
                    writer.WriteFixed32(4, _app[i]);
                    writer.WriteUInt32(5, _used[i]);
                    writer.EndNested(record);
                }
            }

            writer.EndNested(batch);
            PendingSequence = NextSequence;
            _dirty = true;
            return true;
        }

        /// <summary>
        /// Writes an uplink with the held events (and a summary of merged or dropped data) and marks them
        /// pending; returns false when there is nothing to send.
        /// </summary>
        public bool BuildEvents(ProtoWriter writer, long nowUnix, long createdAtMs)
        {
            if (_events == 0 && _mergedRecords == 0 && _droppedEvents == 0)
            {
                return false;
            }

            writer.Clear();
            writer.WriteUInt64(1, NextSequence);
            writer.WriteInt64(2, createdAtMs);
            int batch = writer.BeginNested(11);
            for (int i = 0; i < _events; i++)
            {
                WriteEvent(writer, _eventAt[i], _eventKind[i], _eventReason[i], _eventSubject[i], _eventDetail[i]);
            }

            if (_mergedRecords > 0 || _droppedEvents > 0)
            {
                WriteEvent(writer, nowUnix, Wire.EnforcementEventKind.OutboxMerged, 0, _droppedEvents, _mergedRecords);
            }

            writer.EndNested(batch);
            _pendingEvents = -1;
            PendingSequence = NextSequence;
            _dirty = true;
            return true;
        }

        /// <summary>The pending message is in the outbox: forget what it carried and move the sequence on.</summary>
        public void CommitPending()
        {
            if (_pendingEvents < 0)
            {
                _events = 0;
                _mergedRecords = 0;
                _droppedEvents = 0;
                _pendingEvents = 0;
            }

            int kept = 0;
            for (int i = 0; i < _buckets; i++)
            {
                if (!_pending[i])
                {
                    CopyBucket(i, kept++);
                }
            }

            _buckets = kept;
            NextSequence = PendingSequence + 1;
            PendingSequence = 0;
            _dirty = true;
        }

        /// <summary>The pending message did not make it into the outbox: keep its data for later.</summary>
        public void AbandonPending()
        {
            for (int i = 0; i < _buckets; i++)
            {
                _pending[i] = false;
            }

            _pendingEvents = 0;
            PendingSequence = 0;
            _dirty = true;
        }

        /// <summary>Loads the persisted ledger; false (and an empty ledger) when missing or damaged.</summary>
        public bool Load()
        {
            byte[] data = _storage.Read(FileName);
            if (data == null || data.Length < 36 || LittleEndian.ReadUInt32(data, 0) != Magic
                || LittleEndian.ReadUInt32(data, data.Length - 4) != Crc32.Compute(data, 0, data.Length - 4))
            {
                return false;
            }

            int o = 4;
            NextSequence = LittleEndian.ReadUInt64(data, o);
            PendingSequence = LittleEndian.ReadUInt64(data, o + 8);
            _mergedRecords = LittleEndian.ReadUInt32(data, o + 16);
            _droppedEvents = LittleEndian.ReadUInt32(data, o + 20);
            _buckets = data[o + 24];
            _events = data[o + 25];
            _pendingEvents = (sbyte)data[o + 26];
            o += 28;
            if (_buckets > MaxBuckets || _events > MaxEvents)
            {
                _buckets = 0;
                _events = 0;
                return false;
            }

            for (int i = 0; i < _buckets; i++, o += 29)
            {
                _start[i] = (long)LittleEndian.ReadUInt64(data, o);
                _length[i] = LittleEndian.ReadUInt32(data, o + 8);
                _category[i] = (int)LittleEndian.ReadUInt32(data, o + 12);
                _app[i] = LittleEndian.ReadUInt32(data, o + 16);
                _used[i] = LittleEndian.ReadUInt32(data, o + 20);
                _pending[i] = data[o + 24] != 0;
            }

            for (int i = 0; i < _events; i++, o += 28)
            {
                _eventAt[i] = (long)LittleEndian.ReadUInt64(data, o);
                _eventKind[i] = (int)LittleEndian.ReadUInt32(data, o + 8);
                _eventReason[i] = (int)LittleEndian.ReadUInt32(data, o + 12);
                _eventSubject[i] = LittleEndian.ReadUInt32(data, o + 16);
                _eventDetail[i] = (long)LittleEndian.ReadUInt64(data, o + 20);
            }

            _dirty = false;
            return true;
        }

        /// <summary>Saves atomically (only what is held, so a quiet ledger writes a few dozen bytes).</summary>
        public void Save()
        {
            int o = LittleEndian.Write(_buffer, 0, Magic);
            o = LittleEndian.Write(_buffer, o, NextSequence);
            o = LittleEndian.Write(_buffer, o, PendingSequence);
            o = LittleEndian.Write(_buffer, o, _mergedRecords);
            o = LittleEndian.Write(_buffer, o, _droppedEvents);
            _buffer[o] = (byte)_buckets;
            _buffer[o + 1] = (byte)_events;
            _buffer[o + 2] = (byte)(sbyte)_pendingEvents;
            _buffer[o + 3] = 0;
            o += 4;
            for (int i = 0; i < _buckets; i++)
            {
                LittleEndian.Write(_buffer, o, (ulong)_start[i]);
                LittleEndian.Write(_buffer, o + 8, _length[i]);
                LittleEndian.Write(_buffer, o + 12, (uint)_category[i]);
                LittleEndian.Write(_buffer, o + 16, _app[i]);
                LittleEndian.Write(_buffer, o + 20, _used[i]);
                _buffer[o + 24] = _pending[i] ? (byte)1 : (byte)0;
                _buffer[o + 25] = 0;
                _buffer[o + 26] = 0;
                _buffer[o + 27] = 0;
                _buffer[o + 28] = 0;
                o += 29;
            }

            for (int i = 0; i < _events; i++)
            {
                LittleEndian.Write(_buffer, o, (ulong)_eventAt[i]);
                LittleEndian.Write(_buffer, o + 8, (uint)_eventKind[i]);
                LittleEndian.Write(_buffer, o + 12, (uint)_eventReason[i]);
                LittleEndian.Write(_buffer, o + 16, _eventSubject[i]);
                LittleEndian.Write(_buffer, o + 20, (ulong)_eventDetail[i]);
                o += 28;
            }

            o = LittleEndian.Write(_buffer, o, Crc32.Compute(_buffer, 0, o));
            _storage.Write(FileName, _buffer, o);
            _dirty = false;
        }

        /// <summary>Seconds of usage held (for tests and heartbeats).</summary>
        public long HeldSeconds()
        {
            long total = 0;
            for (int i = 0; i < _buckets; i++)
            {
                total += _used[i];
            }

            return total;
        }

        // Coarsens closed buckets until one slot is free: first identical category and app across
        // neighbouring periods, then whole categories (app dropped).
        private void MergeOldest(long currentStart)
        {
            int before = _buckets;
            MergeClosed(currentStart, true);
            if (_buckets == MaxBuckets)
            {
                MergeClosed(currentStart, false);
            }

            _mergedRecords += (uint)(before - _buckets);
        }

        private void MergeClosed(long currentStart, bool keepApp)
        {
            for (int i = 0; i < _buckets; i++)
            {
                if (_pending[i] || _start[i] >= currentStart)
                {
                    continue;
                }

                if (!keepApp)
                {
                    _app[i] = 0;
                }

                for (int j = _buckets - 1; j > i; j--)
                {
                    if (_pending[j] || _start[j] >= currentStart || _category[j] != _category[i] || (keepApp && _app[j] != _app[i]))
                    {
                        continue;
                    }

                    long end = _start[i] + _length[i];
                    long otherEnd = _start[j] + _length[j];
                    long start = _start[j] < _start[i] ? _start[j] : _start[i];
                    _length[i] = (uint)((otherEnd > end ? otherEnd : end) - start);
                    _start[i] = start;
                    _used[i] += _used[j];
                    RemoveBucket(j);
                }
            }
        }

        private void RemoveBucket(int index)
        {
            for (int i = index; i < _buckets - 1; i++)
            {
                CopyBucket(i + 1, i);
            }

            _buckets--;
            _dirty = true;
        }

        private void CopyBucket(int from, int to)
        {
            _start[to] = _start[from];
            _length[to] = _length[from];
            _category[to] = _category[from];
            _app[to] = _app[from];
            _used[to] = _used[from];
            _pending[to] = _pending[from];
        }

        private static void WriteEvent(ProtoWriter writer, long at, int kind, int reason, uint subject, long detail)
        {
            int mark = writer.BeginNested(1);
            writer.WriteInt64(1, at);
            writer.WriteInt32(2, kind);
            writer.WriteUInt32(3, (uint)reason);
            writer.WriteFixed32(4, subject);
            writer.WriteSInt64(5, detail);
            writer.EndNested(mark);
        }
    }
}
