using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Messages
{
    /// <summary>smartterminal.device.v1.DeviceConfig: the file the flasher writes to I:\st\config.bin.</summary>
    public sealed class DeviceConfig
    {
        private static readonly int[] s_sizes = new int[]
        {
            RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated,
            RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated,
            RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated,
            RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated, RepeatedFields.NotRepeated,
            ProtoReader.MessageElements, // 16 sntp_servers (strings count like messages: one per tag)
        };

        /// <summary>File format version.</summary>
        public uint FormatVersion;

        /// <summary>Device id (MQTT client id and user name).</summary>
        public string DeviceId;

        /// <summary>Fleet id.</summary>
        public string FleetId;

        /// <summary>Model id.</summary>
        public string ModelId;

        /// <summary>Broker host.</summary>
        public string MqttHost;

        /// <summary>Broker port.</summary>
        public uint MqttPort;

        /// <summary>Use TLS.</summary>
        public bool MqttTls;

        /// <summary>CA certificate PEM.</summary>
        public string MqttCaPem;

        /// <summary>MQTT password.</summary>
        public string MqttPassword;

        /// <summary>Policy key id.</summary>
        public uint PolicyKeyId;

        /// <summary>Policy HMAC key.</summary>
        public byte[] PolicyKey;

        /// <summary>Guardian code secret.</summary>
        public byte[] GuardianCodeSecret;

        /// <summary>Signed initial policy envelope.</summary>
        public byte[] InitialPolicy;

        /// <summary>Outbox capacity in bytes.</summary>
        public uint OutboxCapacityBytes;

        /// <summary>Heartbeat interval in seconds.</summary>
        public uint HeartbeatSeconds;

        /// <summary>SNTP servers in order of preference.</summary>
        public string[] SntpServers;

        /// <summary>Encodes as Google.Protobuf would.</summary>
        public void WriteTo(ProtoWriter writer)
        {
            writer.WriteUInt32(1, FormatVersion);
            writer.WriteString(2, DeviceId);
            writer.WriteString(3, FleetId);
            writer.WriteString(4, ModelId);
            writer.WriteString(5, MqttHost);
            writer.WriteUInt32(6, MqttPort);
            writer.WriteBool(7, MqttTls);
            writer.WriteString(8, MqttCaPem);
            writer.WriteString(9, MqttPassword);
            writer.WriteUInt32(10, PolicyKeyId);
            writer.WriteBytes(11, PolicyKey);
            writer.WriteBytes(12, GuardianCodeSecret);
            writer.WriteBytes(13, InitialPolicy);
            writer.WriteUInt32(14, OutboxCapacityBytes);
            writer.WriteUInt32(15, HeartbeatSeconds);
            for (int i = 0; SntpServers != null && i < SntpServers.Length; i++)
            {
                writer.WriteRepeatedString(16, SntpServers[i]);
            }
        }

        /// <summary>Decodes a configuration file.</summary>
        public static ProtoError TryDecode(byte[] buffer, int offset, int count, out DeviceConfig config)
        {
            config = null;
            ProtoReader reader = new ProtoReader(buffer, offset, count);
            int[] counts = new int[17];
            if (!RepeatedFields.CountElements(reader, s_sizes, counts))
            {
                return reader.Error;
            }

            DeviceConfig result = new DeviceConfig();
            result.SntpServers = new string[counts[16]];
            int servers = 0;
            uint tag;
            while (reader.ReadTag(out tag))
            {
                switch (tag)
                {
                    case (1 << 3) | 0:
                        reader.ReadUInt32(out result.FormatVersion);
                        break;
                    case (2 << 3) | 2:
                        reader.ReadString(out result.DeviceId);
                        break;
                    case (3 << 3) | 2:
                        reader.ReadString(out result.FleetId);
                        break;
                    case (4 << 3) | 2:
                        reader.ReadString(out result.ModelId);
                        break;
                    case (5 << 3) | 2:
                        reader.ReadString(out result.MqttHost);
                        break;
                    case (6 << 3) | 0:
                        reader.ReadUInt32(out result.MqttPort);
                        break;
                    case (7 << 3) | 0:
                        reader.ReadBool(out result.MqttTls);
                        break;
                    case (8 << 3) | 2:
                        reader.ReadString(out result.MqttCaPem);
                        break;
                    case (9 << 3) | 2:
                        reader.ReadString(out result.MqttPassword);
                        break;
                    case (10 << 3) | 0:
                        reader.ReadUInt32(out result.PolicyKeyId);
                        break;
                    case (11 << 3) | 2:
                        reader.ReadBytes(out result.PolicyKey);
                        break;
                    case (12 << 3) | 2:
                        reader.ReadBytes(out result.GuardianCodeSecret);
                        break;
                    case (13 << 3) | 2:
                        reader.ReadBytes(out result.InitialPolicy);
                        break;
                    case (14 << 3) | 0:
                        reader.ReadUInt32(out result.OutboxCapacityBytes);
                        break;
                    case (15 << 3) | 0:
                        reader.ReadUInt32(out result.HeartbeatSeconds);
                        break;
                    case (16 << 3) | 2:
                        reader.ReadString(out result.SntpServers[servers++]);
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

            config = result;
            return ProtoError.None;
        }
    }
}
