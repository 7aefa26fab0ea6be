using System;
using System.Threading;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;
using SmartTerminal.Device.Core.Runtime;

namespace SmartTerminal.Firmware
{
    /// <summary>
    /// The core's transport over nanoFramework.M2Mqtt (MQTT 5). M2Mqtt keeps in-flight messages in RAM
    /// only; durability comes from the core's outbox, so a publish here just waits for its PUBACK.
    /// The core publishes one message at a time; M2Mqtt raises its events on its own receive thread.
    /// </summary>
    internal sealed class M2MqttTransport : IMqttTransport
    {
        private const int PublishTimeoutMs = 10000;
        private const ushort KeepAliveSeconds = 60;
        private readonly string _host;
        private readonly int _port;
        private readonly bool _tls;
        private readonly AutoResetEvent _published = new AutoResetEvent(false);

        // Guards the publish hand-over with the receive thread: the PUBACK can arrive before Publish
        // has even returned the message id, so the handler records it and Publish looks it up.
        private readonly object _sync = new object();
        private ushort _awaitedId;
        private ushort _completedId;
        private bool _completedOk;
        private MqttClient _client;

        public M2MqttTransport(string host, int port, bool tls)
        {
            _host = host;
            _port = port;
            _tls = tls;
        }

        public event MqttMessageHandler MessageReceived;

        public bool IsConnected
        {
            get
            {
                MqttClient client = _client;
                return client != null && client.IsConnected;
            }
        }

        public bool Connect(string clientId, string userName, string password, string willTopic, byte[] willPayload)
        {
            try
            {
                // The constructor resolves DNS, so the client is created only once the network is up.
                if (_client == null)
                {
                    MqttClient client = new MqttClient(_host, _port, _tls, null, null, _tls ? MqttSslProtocols.TLSv1_2 : MqttSslProtocols.None);
                    client.ProtocolVersion = MqttProtocolVersion.Version_5;
                    client.MqttMsgPublishReceived += OnPublishReceived;
                    client.MqttMsgPublished += OnPublished;
                    _client = client;
                }

                MqttReasonCode result = _client.Connect(clientId, userName, password, true, MqttQoSLevel.AtLeastOnce, true, willTopic, AsciiString(willPayload), true, KeepAliveSeconds);
                return result == MqttReasonCode.Success;
            }
            catch (Exception)
            {
                return false;
            }
        }

        public bool Subscribe(string[] topics)
        {
            MqttQoSLevel[] levels = new MqttQoSLevel[topics.Length];
            for (int i = 0; i < levels.Length; i++)
            {
                levels[i] = MqttQoSLevel.AtLeastOnce;
            }

            try
            {
                _client.Subscribe(topics, levels);
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }

        public bool Publish(string topic, byte[] payload, int offset, int count, bool retain)
        {
            byte[] message = payload;
            if (offset != 0 || count != payload.Length)
            {
                message = new byte[count];
                Array.Copy(payload, offset, message, 0, count);
            }

            try
            {
                lock (_sync)
                {
                    _awaitedId = 0;
                    _completedId = 0;
                    _published.Reset();
                }

                ushort id = _client.Publish(topic, message, null, null, MqttQoSLevel.AtLeastOnce, retain);
                lock (_sync)
                {
                    if (_completedId == id)
                    {
                        return _completedOk;
                    }

                    _awaitedId = id;
                }

                if (!_published.WaitOne(PublishTimeoutMs, false))
                {
                    return false;
                }

                lock (_sync)
                {
                    return _completedId == id && _completedOk;
                }
            }
            catch (Exception)
            {
                return false;
            }
        }

        public void Disconnect()
        {
            try
            {
                MqttClient client = _client;
                if (client != null && client.IsConnected)
                {
                    client.Disconnect();
                }
            }
            catch (Exception)
            {
                // The connection is gone either way.
            }
        }

        // M2Mqtt takes the will as a string and sends it UTF-8 encoded; the core's offline status is
        // ASCII by construction (see MqttSession), so mapping byte to char keeps the bytes unchanged.
        private static string AsciiString(byte[] bytes)
        {
            char[] chars = new char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i] = (char)(bytes[i] & 0x7F);
            }

            return new string(chars);
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            lock (_sync)
            {
                _completedId = e.MessageId;
                _completedOk = e.IsPublished;
                if (e.MessageId == _awaitedId)
                {
                    _published.Set();
                }
            }
        }

        private void OnPublishReceived(object sender, MqttMsgPublishEventArgs e)
        {
            MqttMessageHandler handler = MessageReceived;
            if (handler != null)
            {
                handler(e.Topic, e.Message);
            }
        }
    }
}
