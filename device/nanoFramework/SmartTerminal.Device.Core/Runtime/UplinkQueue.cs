using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>
    /// Moves ledger data and state reports into the outbox under strictly increasing, contiguous
    /// sequence numbers. A usage or event message is first marked pending in the ledger (saved), then
    /// appended to the outbox, then committed (saved): a power cut at any point is resolved at recovery
    /// by looking at whether the outbox holds the pending sequence, so nothing is lost, duplicated or
    /// numbered twice.
    /// </summary>
    public sealed class UplinkQueue
    {
        /// <summary>Usage records per uplink message.</summary>
        public const int RecordsPerMessage = 40;

        private readonly UsageLedger _ledger;
        private readonly Outbox _outbox;
        private readonly ProtoWriter _writer = new ProtoWriter(1024);

        /// <summary>Queues into the given outbox from the given ledger.</summary>
        public UplinkQueue(UsageLedger ledger, Outbox outbox)
        {
            _ledger = ledger;
            _outbox = outbox;
        }

        /// <summary>The outbox behind the queue.</summary>
        public Outbox Outbox
        {
            get { return _outbox; }
        }

        /// <summary>
        /// Unix seconds before which every use the engine recorded (through <paramref name="recordedThroughUnix"/>)
        /// is in the outbox, for a message queued now. A bucket's last seconds can still spill into the one
        /// before it (whole seconds carried between accounting steps), so the claim stops a bucket short of
        /// the oldest one held, on a bucket boundary; 0 when nothing can be claimed yet.
        /// </summary>
        public long UsageCompleteThroughUnix(long nowUnix, long recordedThroughUnix)
        {
            long held = _ledger.HeldSinceUnix(nowUnix);
            long through = held < recordedThroughUnix ? held : recordedThroughUnix;
            long boundary = through - (((through % UsageLedger.BucketSeconds) + UsageLedger.BucketSeconds) % UsageLedger.BucketSeconds);
            long claimed = boundary - UsageLedger.BucketSeconds;
            return claimed > 0 ? claimed : 0;
        }

        /// <summary>Recovers outbox and ledger after a boot and reconciles a message that was in flight.</summary>
        public void Recover(byte[] scratch)
        {
            _outbox.Recover(scratch);
            _ledger.Load();
            if (_ledger.PendingSequence != 0)
            {
                if (_outbox.LastSequence >= _ledger.PendingSequence)
                {
                    _ledger.CommitPending();
                }
                else
                {
                    _ledger.AbandonPending();
                }
            }

            if (_ledger.NextSequence <= _outbox.LastSequence)
            {
                _ledger.NextSequence = _outbox.LastSequence + 1;
            }

            _ledger.Save();
        }

        /// <summary>Moves closed usage buckets and held events into the outbox, as far as it has room.</summary>
        public void Flush(long nowUnix, long nowMs)
        {
            while (_ledger.BuildUsage(_writer, nowUnix, nowMs, RecordsPerMessage))
            {
                if (!AppendPending())
                {
                    return;
                }
            }

            if (_ledger.BuildEvents(_writer, nowUnix, nowMs))
            {
                AppendPending();
            }
        }

        /// <summary>Queues a heartbeat or policy acknowledgement; false when the outbox is full.</summary>
        public bool Enqueue(UplinkEnvelope message)
        {
            message.Sequence = _ledger.NextSequence;
            _writer.Clear();
            message.WriteTo(_writer);
            if (_outbox.TryAppend(message.Sequence, _writer.Buffer, 0, _writer.Length) != AppendResult.Appended)
            {
                return false;
            }

            _ledger.NextSequence = message.Sequence + 1;
            _ledger.Save();
            return true;
        }

        /// <summary>Saves the ledger if usage or events arrived since the last save.</summary>
        public void SaveIfDirty()
        {
            if (_ledger.IsDirty)
            {
                _ledger.Save();
            }
        }

        private bool AppendPending()
        {
            _ledger.Save();
            if (_outbox.TryAppend(_ledger.PendingSequence, _writer.Buffer, 0, _writer.Length) == AppendResult.Appended)
            {
                _ledger.CommitPending();
                _ledger.Save();
                return true;
            }

            _ledger.AbandonPending();
            _ledger.Save();
            return false;
        }
    }
}
