using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>Which payload a control message carries (the oneof "body").</summary>
    public enum ControlBody
    {
        /// <summary>No payload.</summary>
        None = 0,

        /// <summary>Cumulative uplink acknowledgement (field 1).</summary>
        UplinkAck = 1,

        /// <summary>Trusted time (field 2).</summary>
        TimeSync = 2,

        /// <summary>Online extension (field 3).</summary>
        Extension = 3,

        /// <summary>A guardian's answer to a request (field 4).</summary>
        GuardianAnswer = 4,
    }

    /// <summary>smartterminal.device.v1.ControlMessage, received on st/v1/{id}/control.</summary>
    public sealed class ControlMessage
    {
        /// <summary>Which payload is set.</summary>
        public ControlBody Body;

        /// <summary>UplinkAck.acked_through_sequence.</summary>
        public ulong AckedThroughSequence;

        /// <summary>TimeSync.server_unix_ms.</summary>
        public long ServerUnixMs;

        /// <summary>ExtensionGrant.grant_id.</summary>
        public ulong GrantId;

        /// <summary>ExtensionGrant.extra_minutes.</summary>
        public uint ExtraMinutes;

        /// <summary>ExtensionGrant.category (0 = daily total).</summary>
        public uint Category;

        /// <summary>ExtensionGrant.valid_until_unix.</summary>
        public long ValidUntilUnix;

        /// <summary>GuardianAnswer.asked_at_unix: the request's event time.</summary>
        public long AskedAtUnix;

        /// <summary>GuardianAnswer.reason: the request's DecisionReason.</summary>
        public uint AnswerReason;

        /// <summary>GuardianAnswer.subject: the request's subject.</summary>
        public uint AnswerSubject;

        /// <summary>GuardianAnswer.approved.</summary>
        public bool Approved;

        /// <summary>Encodes as Google.Protobuf would.</summary>
        public void WriteTo(ProtoWriter writer)
        {
            int mark;
            switch (Body)
            {
                case ControlBody.UplinkAck:
                    mark = writer.BeginNested(1);
                    writer.WriteUInt64(1, AckedThroughSequence);
                    writer.EndNested(mark);
                    break;
                case ControlBody.TimeSync:
                    mark = writer.BeginNested(2);
                    writer.WriteInt64(1, ServerUnixMs);
                    writer.EndNested(mark);
                    break;
                case ControlBody.Extension:
                    mark = writer.BeginNested(3);
                    writer.WriteUInt64(1, GrantId);
                    writer.WriteUInt32(2, ExtraMinutes);
                    writer.WriteUInt32(3, Category);
                    writer.WriteInt64(4, ValidUntilUnix);
                    writer.EndNested(mark);
                    break;
                case ControlBody.GuardianAnswer:
                    mark = writer.BeginNested(4);
                    writer.WriteInt64(1, AskedAtUnix);
                    writer.WriteUInt32(2, AnswerReason);
                    writer.WriteFixed32(3, AnswerSubject);
                    writer.WriteBool(4, Approved);
                    writer.EndNested(mark);
                    break;
            }
        }

        /// <summary>Decodes a control message.</summary>
        public static ProtoError TryDecode(byte[] buffer, int offset, int count, out ControlMessage message)
        {
            message = null;
            ProtoReader reader = new ProtoReader(buffer, offset, count);
            ControlMessage result = new ControlMessage();
            uint tag;
            while (reader.ReadTag(out tag))
            {
                int saved;
                switch (tag)
                {
                    // The payload's field number is its ControlBody value.
                    case (1 << 3) | 2:
                    case (2 << 3) | 2:
                    case (3 << 3) | 2:
                    case (4 << 3) | 2:
                        if (reader.BeginNested(out saved))
                        {
                            result.Clear((ControlBody)(tag >> 3));
                            ReadFields(reader, result);
                            reader.EndNested(saved);
                        }

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

            message = result;
            return ProtoError.None;
        }

        private void Clear(ControlBody body)
        {
            Body = body;
            AckedThroughSequence = 0;
            ServerUnixMs = 0;
            GrantId = 0;
            ExtraMinutes = 0;
            Category = 0;
            ValidUntilUnix = 0;
            AskedAtUnix = 0;
            AnswerReason = 0;
            AnswerSubject = 0;
            Approved = false;
        }

        private static void ReadAnswerField(ProtoReader reader, ControlMessage m, uint tag)
        {
            if (tag == ((1 << 3) | 0))
            {
                reader.ReadInt64(out m.AskedAtUnix);
            }
            else if (tag == ((2 << 3) | 0))
            {
                reader.ReadUInt32(out m.AnswerReason);
            }
            else if (tag == ((3 << 3) | 5))
            {
                reader.ReadFixed32(out m.AnswerSubject);
            }
            else if (tag == ((4 << 3) | 0))
            {
                reader.ReadBool(out m.Approved);
            }
            else
            {
                reader.SkipField(tag);
            }
        }

        // The payloads are small; one reader fills the fields of whichever payload is current.
        private static void ReadFields(ProtoReader reader, ControlMessage m)
        {
            uint tag;
            while (reader.ReadTag(out tag))
            {
                if (m.Body == ControlBody.UplinkAck && tag == ((1 << 3) | 0))
                {
                    reader.ReadUInt64(out m.AckedThroughSequence);
                }
                else if (m.Body == ControlBody.TimeSync && tag == ((1 << 3) | 0))
                {
                    reader.ReadInt64(out m.ServerUnixMs);
                }
                else if (m.Body == ControlBody.Extension && tag == ((1 << 3) | 0))
                {
                    reader.ReadUInt64(out m.GrantId);
                }
                else if (m.Body == ControlBody.Extension && tag == ((2 << 3) | 0))
                {
                    reader.ReadUInt32(out m.ExtraMinutes);
                }
                else if (m.Body == ControlBody.Extension && tag == ((3 << 3) | 0))
                {
                    reader.ReadUInt32(out m.Category);
                }
                else if (m.Body == ControlBody.Extension && tag == ((4 << 3) | 0))
                {
                    reader.ReadInt64(out m.ValidUntilUnix);
                }
                else if (m.Body == ControlBody.GuardianAnswer)
                {
                    ReadAnswerField(reader, m, tag);
                }
                else
                {
                    reader.SkipField(tag);
                }
            }
        }
    }
}
