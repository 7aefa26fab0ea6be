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
    /// </summary>
    internal sealed class M2MqttTransport : IMqttTransport
    {
        private const int PublishTimeoutMs = 10000;
        private readonly string _host;
        private readonly int _port;
        private readonly bool _tls;
        private readonly AutoResetEvent _published = new AutoResetEvent(false);
        private MqttClient _client;
        private ushort _awaitedId;
        private bool _awaitedOk;

        public M2MqttTransport(string host, int port, bool tls)
        {
            _host = host;
            _port = port;
            _tls = tls;
        }

        public event MqttMessageHandler MessageReceived;

        public bool IsConnected
        {
            get { return _client != null && _client.IsConnected; }
        }

        public bool Connect(string clientId, string userName, string password, string willTopic, byte[] willPayload)
        {
            try
            {
                // The constructor resolves DNS, so the client is created only once the network is up.
                if (_client == null)
                {
                    _client = new MqttClient(_host, _port, _tls, null, null, _tls ? MqttSslProtocols.TLSv1_2 : MqttSslProtocols.None);
                    _client.ProtocolVersion = MqttProtocolVersion.Version_5;
                    _client.MqttMsgPublishReceived += OnPublishReceived;
                    _client.MqttMsgPublished += OnPublished;
                }

                // M2Mqtt takes the will as a string; the status payload is protobuf, so it goes Base64.
                MqttReasonCode result = _client.Connect(clientId, userName, password, true, MqttQoSLevel.AtLeastOnce, true, willTopic, Convert.ToBase64String(willPayload), true, 60);
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
                _awaitedOk = false;
                _awaitedId = _client.Publish(topic, message, null, null, MqttQoSLevel.AtLeastOnce, retain);
                return _published.WaitOne(PublishTimeoutMs, false) && _awaitedOk;
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
                if (_client != null && _client.IsConnected)
                {
                    _client.Disconnect();
                }
            }
            catch (Exception)
            {
                // The connection is gone either way.
            }
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            if (e.MessageId == _awaitedId)
            {
                _awaitedOk = e.IsPublished;
                _published.Set();
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
