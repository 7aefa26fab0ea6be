namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>A message received by the transport, queued for the session's thread.</summary>
    internal sealed class ReceivedMessage
    {
        /// <summary>Creates the message.</summary>
        public ReceivedMessage(string topic, byte[] payload)
        {
            Topic = topic;
            Payload = payload;
        }

        /// <summary>Topic.</summary>
        public string Topic { get; private set; }

        /// <summary>Payload.</summary>
        public byte[] Payload { get; private set; }
    }
}
