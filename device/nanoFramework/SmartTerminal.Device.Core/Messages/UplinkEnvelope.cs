using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>
    /// smartterminal.device.v1.UplinkEnvelope: one sequence-numbered message on st/v1/{id}/up. The
    /// device encodes these into its outbox; the decoder serves outbox recovery and the .NET host.
    /// </summary>
    public sealed class UplinkEnvelope
    {
        private static readonly int[] s_batchSizes = new int[] { RepeatedFields.NotRepeated, ProtoReader.MessageElements };

        /// <summary>Per-device sequence number.</summary>
        public ulong Sequence;

        /// <summary>Creation time, Unix milliseconds (trusted-time estimate).</summary>
        public long CreatedAtUnixMs;

        /// <summary>Which payload is set.</summary>
        public UplinkBody Body;

        /// <summary>Usage records when <see cref="Body"/> is Usage.</summary>
        public UsageRecord[] Usage;

        /// <summary>Events when <see cref="Body"/> is Events.</summary>
        public EnforcementEvent[] Events;

        /// <summary>The acknowledgement when <see cref="Body"/> is PolicyAck.</summary>
        public PolicyAck PolicyAck;

        /// <summary>The heartbeat when <see cref="Body"/> is Heartbeat.</summary>
        public Heartbeat Heartbeat;

        /// <summary>Encodes this envelope as Google.Protobuf would.</summary>
        public void WriteTo(ProtoWriter writer)
        {
            writer.WriteUInt64(1, Sequence);
            writer.WriteInt64(2, CreatedAtUnixMs);
            int mark;
            switch (Body)
            {
                case UplinkBody.Usage:
                    mark = writer.BeginNested(10);
                    for (int i = 0; Usage != null && i < Usage.Length; i++)
                    {
                        UsageRecord record = Usage[i];
                        int recordMark = writer.BeginNested(1);
                        writer.WriteInt64(1, record.BucketStartUnix);
                        writer.WriteUInt32(2, record.BucketSeconds);
                        writer.WriteInt32(3, record.Category);
                        writer.WriteFixed32(4, record.AppId);
                        writer.WriteUInt32(5, record.UsedSeconds);
                        writer.EndNested(recordMark);
                    }

                    writer.EndNested(mark);
                    break;
                case UplinkBody.Events:
                    mark = writer.BeginNested(11);
                    for (int i = 0; Events != null && i < Events.Length; i++)
                    {
                        EnforcementEvent e = Events[i];
                        int eventMark = writer.BeginNested(1);
                        writer.WriteInt64(1, e.AtUnix);
                        writer.WriteInt32(2, e.Kind);
                        writer.WriteUInt32(3, e.Reason);
                        writer.WriteFixed32(4, e.Subject);
                        writer.WriteSInt64(5, e.Detail);
                        writer.EndNested(eventMark);
                    }

                    writer.EndNested(mark);
                    break;
                case UplinkBody.PolicyAck:
                    mark = writer.BeginNested(12);
                    writer.WriteUInt64(1, PolicyAck.AppliedVersion);
                    writer.WriteUInt64(2, PolicyAck.RefusedVersion);
                    writer.WriteInt32(3, PolicyAck.Refusal);
                    writer.EndNested(mark);
                    break;
                case UplinkBody.Heartbeat:
                    mark = writer.BeginNested(13);
                    writer.WriteString(1, Heartbeat.FirmwareVersion);
                    writer.WriteUInt64(2, Heartbeat.PolicyVersion);
                    writer.WriteUInt32(3, Heartbeat.OutboxBytes);
                    writer.WriteUInt32(4, Heartbeat.OutboxMessages);
                    writer.WriteInt32(5, Heartbeat.ClockState);
                    writer.WriteUInt32(6, Heartbeat.UptimeSeconds);
                    writer.WriteUInt32(7, Heartbeat.FreeHeapBytes);
                    writer.WriteInt64(8, Heartbeat.UsageCompleteThroughUnix);
                    writer.EndNested(mark);
                    break;
            }
        }

        /// <summary>Decodes an envelope; a later payload field replaces an earlier one, as in protobuf oneofs.</summary>
        public static ProtoError TryDecode(byte[] buffer, int offset, int count, out UplinkEnvelope envelope)
        {
            envelope = null;
            ProtoReader reader = new ProtoReader(buffer, offset, count);
            UplinkEnvelope result = new UplinkEnvelope();
            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt64(out result.Sequence);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadInt64(out result.CreatedAtUnixMs);
                        break;
                    case (10 << 3) | 2:
                        result.SetBody(UplinkBody.Usage);
                        result.Usage = ReadUsage(reader);
                        break;
                    case (11 << 3) | 2:
                        result.SetBody(UplinkBody.Events);
                        result.Events = ReadEvents(reader);
                        break;
                    case (12 << 3) | 2:
                        result.SetBody(UplinkBody.PolicyAck);
                        result.PolicyAck = ReadPolicyAck(reader);
                        break;
                    case (13 << 3) | 2:
                        result.SetBody(UplinkBody.Heartbeat);
                        result.Heartbeat = ReadHeartbeat(reader);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            if (reader.Error != ProtoError.None)
            {
                return reader.Error;
            }

            envelope = result;
            return ProtoError.None;
        }

        private void SetBody(UplinkBody body)
        {
            Body = body;
            Usage = null;
            Events = null;
            PolicyAck = null;
            Heartbeat = null;
        }

        private static UsageRecord[] ReadUsage(ProtoReader reader)
        {
            int saved;
            int count;
            if (!BeginBatch(reader, out saved, out count))
            {
                return null;
            }

            UsageRecord[] records = new UsageRecord[count];
            int index = 0;
            while (NextRecord(reader))
            {
                records[index++] = ReadUsageRecord(reader);
            }

            reader.EndNested(saved);
            return records;
        }

        private static EnforcementEvent[] ReadEvents(ProtoReader reader)
        {
            int saved;
            int count;
            if (!BeginBatch(reader, out saved, out count))
            {
                return null;
            }

            EnforcementEvent[] events = new EnforcementEvent[count];
            int index = 0;
            while (NextRecord(reader))
            {
                events[index++] = ReadEvent(reader);
            }

            reader.EndNested(saved);
            return events;
        }

        // Enters a batch message and counts its records (field 1) so the array is allocated once.
        private static bool BeginBatch(ProtoReader reader, out int saved, out int count)
        {
            int[] counts = new int[2];
            count = 0;
            if (!reader.BeginNested(out saved) || !RepeatedFields.CountElements(reader, s_batchSizes, counts))
            {
                return false;
            }

            count = counts[1];
            return true;
        }

        // Advances to the next record of a batch, skipping any other field.
        private static bool NextRecord(ProtoReader reader)
        {
            uint tag;
            while (reader.ReadTag(out tag))
            {
                if (tag == ((1 << 3) | 2))
                {
                    return true;
                }

                reader.SkipField(tag);
            }

            return false;
        }

        private static UsageRecord ReadUsageRecord(ProtoReader reader)
        {
            UsageRecord record = new UsageRecord();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return record;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadInt64(out record.BucketStartUnix);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt32(out record.BucketSeconds);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadInt32(out record.Category);
                        break;
                    case (4 << 3) | 5:
                        reader.ReadFixed32(out record.AppId);
                        break;
                    case (5 << 3) | 0:
                        reader.ReadUInt32(out record.UsedSeconds);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return record;
        }

        private static EnforcementEvent ReadEvent(ProtoReader reader)
        {
            EnforcementEvent e = new EnforcementEvent();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return e;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadInt64(out e.AtUnix);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadInt32(out e.Kind);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadUInt32(out e.Reason);
                        break;
                    case (4 << 3) | 5:
                        reader.ReadFixed32(out e.Subject);
                        break;
                    case (5 << 3) | 0:
                        reader.ReadSInt64(out e.Detail);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return e;
        }

        private static PolicyAck ReadPolicyAck(ProtoReader reader)
        {
            PolicyAck ack = new PolicyAck();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return ack;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt64(out ack.AppliedVersion);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt64(out ack.RefusedVersion);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadInt32(out ack.Refusal);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return ack;
        }

        private static Heartbeat ReadHeartbeat(ProtoReader reader)
        {
            Heartbeat heartbeat = new Heartbeat();
            int saved;
            if (!reader.BeginNested(out saved))
            {
                return heartbeat;
            }

            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 2:
                        reader.ReadString(out heartbeat.FirmwareVersion);
                        break;
                    case (2 << 3) | 0:
                        reader.ReadUInt64(out heartbeat.PolicyVersion);
                        break;
                    case (3 << 3) | 0:
                        reader.ReadUInt32(out heartbeat.OutboxBytes);
                        break;
                    case (4 << 3) | 0:
                        reader.ReadUInt32(out heartbeat.OutboxMessages);
                        break;
                    case (5 << 3) | 0:
                        reader.ReadInt32(out heartbeat.ClockState);
                        break;
                    case (6 << 3) | 0:
                        reader.ReadUInt32(out heartbeat.UptimeSeconds);
                        break;
                    case (7 << 3) | 0:
                        reader.ReadUInt32(out heartbeat.FreeHeapBytes);
                        break;
                    case (8 << 3) | 0:
                        reader.ReadInt64(out heartbeat.UsageCompleteThroughUnix);
                        break;
                    default:
                        reader.SkipField(tag);
                        break;
                }
            }

            reader.EndNested(saved);
            return heartbeat;
        }
    }
}
