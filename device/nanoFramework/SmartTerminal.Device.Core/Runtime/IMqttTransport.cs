namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>Receives an MQTT message (raised on the transport's own thread).</summary>
    public delegate void MqttMessageHandler(string topic, byte[] payload);

    /// <summary>
    /// The small MQTT surface the session needs; the ESP32 head adapts nanoFramework.M2Mqtt to it, the
    /// .NET device host adapts MQTTnet.
    /// </summary>
    public interface IMqttTransport
    {
        /// <summary>True while connected.</summary>
        bool IsConnected { get; }

        /// <summary>Connects (clean session) with a retained will on willTopic; false when refused or unreachable.</summary>
        bool Connect(string clientId, string userName, string password, string willTopic, byte[] willPayload);

        /// <summary>Subscribes with QoS 1; false when refused.</summary>
        bool Subscribe(string[] topics);

        /// <summary>Publishes with QoS 1 and waits for the broker's PUBACK; false on failure or timeout.</summary>
        bool Publish(string topic, byte[] payload, int offset, int count, bool retain);

        /// <summary>Closes the connection.</summary>
        void Disconnect();

        /// <summary>Raised for every message received on a subscribed topic.</summary>
        event MqttMessageHandler MessageReceived;
    }
}
