using System;
using System.Collections;
using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Platform;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>
    /// The device's MQTT session (design brief sections 1 and 2): connects with its own credentials and a
    /// retained "offline" will, subscribes to its policy and control topics, sends the outbox in sequence
    /// order and resends everything unacknowledged after every reconnect, applies policies through the
    /// engine and acknowledges the applied version, and applies control messages (cumulative uplink
    /// acknowledgements, trusted time, online extensions). Reconnects with exponential backoff and jitter.
    /// Single-threaded: call <see cref="Step"/> from one thread; received messages are queued to it.
    /// </summary>
    public sealed class MqttSession
    {
        /// <summary>First reconnect delay.</summary>
        public const long BaseBackoffMs = 1000;

        /// <summary>Longest reconnect delay.</summary>
        public const long MaxBackoffMs = 300000;

        /// <summary>Messages published per step at most, so enforcement is never starved.</summary>
        public const int MaxPublishesPerStep = 32;

        /// <summary>
        /// Without acknowledgement progress for this long while messages are out, they are sent again
        /// (the service did not store them, e.g. its database was down).
        /// </summary>
        public const long AckTimeoutMs = 60000;

        private readonly IMqttTransport _transport;
        private readonly IDeviceClock _clock;
        private readonly PolicyEngine _engine;
        private readonly UplinkQueue _queue;
        private readonly string _deviceId;
        private readonly string _password;
        private readonly string _firmwareVersion;
        private readonly long _heartbeatMs;
        private readonly string _policyTopic;
        private readonly string _controlTopic;
        private readonly string _upTopic;
        private readonly string _statusTopic;
        private readonly ArrayList _inbox = new ArrayList();
        private readonly object _inboxLock = new object();
        private readonly byte[] _buffer;
        private readonly Random _random;
        private ulong _sentThrough;
        private int _failures;
        private long _nextAttemptMs;
        private long _nextHeartbeatMs;
        private bool _wasConnected;
        private ulong _lastAcked;
        private long _lastAckProgressMs;

        /// <summary>Creates the session; nothing connects until <see cref="Step"/>.</summary>
        public MqttSession(IMqttTransport transport, IDeviceClock clock, PolicyEngine engine, UplinkQueue queue, string deviceId, string password, string firmwareVersion, uint heartbeatSeconds, int randomSeed)
        {
            _transport = transport;
            _clock = clock;
            _engine = engine;
            _queue = queue;
            _deviceId = deviceId;
            _password = password;
            _firmwareVersion = firmwareVersion;
            _heartbeatMs = (heartbeatSeconds == 0 ? 300 : heartbeatSeconds) * 1000L;
            _policyTopic = "st/v1/" + deviceId + "/policy";
            _controlTopic = "st/v1/" + deviceId + "/control";
            _upTopic = "st/v1/" + deviceId + "/up";
            _statusTopic = "st/v1/" + deviceId + "/status";
            _buffer = new byte[queue.Outbox.MaxPayload];
            _random = new Random(randomSeed);
            _transport.MessageReceived += OnMessage;
        }

        /// <summary>Successful connections so far.</summary>
        public int Connections { get; private set; }

        /// <summary>Uplink messages published (resends included).</summary>
        public int Published { get; private set; }

        /// <summary>Delay before the next connection attempt, for tests and diagnostics.</summary>
        public long CurrentBackoffMs { get; private set; }

        /// <summary>Does one round of work: received messages, connection, heartbeat, sending.</summary>
        public void Step()
        {
            ProcessInbox();
            long now = _clock.MonotonicMs;
            if (!_transport.IsConnected)
            {
                if (_wasConnected)
                {
                    _wasConnected = false;
                    ScheduleReconnect(now);
                }

                if (now >= _nextAttemptMs)
                {
                    TryConnect(now);
                }

                if (!_transport.IsConnected)
                {
                    return;
                }
            }

            ResendIfAcknowledgementsStall(now);
            if (now >= _nextHeartbeatMs)
            {
                _nextHeartbeatMs = now + _heartbeatMs;
                _queue.Enqueue(Heartbeat());
            }

            SendPending();
            ProcessInbox();
        }

        private void ResendIfAcknowledgementsStall(long now)
        {
            ulong acked = _queue.Outbox.AckedThrough;
            if (acked != _lastAcked || _sentThrough <= acked)
            {
                _lastAcked = acked;
                _lastAckProgressMs = now;
                return;
            }

            if (now - _lastAckProgressMs > AckTimeoutMs)
            {
                _sentThrough = acked;
                _lastAckProgressMs = now;
            }
        }

        private void TryConnect(long now)
        {
            if (_transport.Connect(_deviceId, _deviceId, _password, _statusTopic, Status(false))
                && _transport.Subscribe(new string[] { _policyTopic, _controlTopic }))
            {
                _failures = 0;
                CurrentBackoffMs = 0;
                _wasConnected = true;
                Connections++;

                // Everything the service has not acknowledged goes again; it drops what it already has.
                _sentThrough = _queue.Outbox.AckedThrough;
                byte[] online = Status(true);
                _transport.Publish(_statusTopic, online, 0, online.Length, true);
                _nextHeartbeatMs = now;
                return;
            }

            _transport.Disconnect();
            ScheduleReconnect(now);
        }

        // Exponential backoff with "equal jitter": half the delay fixed, half random, so a fleet that lost
        // its broker at the same moment does not come back at the same moment.
        private void ScheduleReconnect(long now)
        {
            long delay = BaseBackoffMs << (_failures < 12 ? _failures : 12);
            if (delay > MaxBackoffMs)
            {
                delay = MaxBackoffMs;
            }

            _failures++;
            CurrentBackoffMs = (delay / 2) + (long)(_random.NextDouble() * (delay / 2));
            _nextAttemptMs = now + CurrentBackoffMs;
        }

        private void SendPending()
        {
            for (int i = 0; i < MaxPublishesPerStep; i++)
            {
                ulong sequence;
                int length = _queue.Outbox.ReadAfter(_sentThrough, _buffer, out sequence);
                if (length < 0)
                {
                    return;
                }

                if (!_transport.Publish(_upTopic, _buffer, 0, length, false))
                {
                    _transport.Disconnect();
                    return;
                }

                _sentThrough = sequence;
                Published++;
            }
        }

        private void OnMessage(string topic, byte[] payload)
        {
            lock (_inboxLock)
            {
                _inbox.Add(new ReceivedMessage(topic, payload));
            }
        }

        private void ProcessInbox()
        {
            while (true)
            {
                ReceivedMessage message;
                lock (_inboxLock)
                {
                    if (_inbox.Count == 0)
                    {
                        return;
                    }

                    message = (ReceivedMessage)_inbox[0];
                    _inbox.RemoveAt(0);
                }

                if (message.Topic == _policyTopic)
                {
                    OnPolicy(message.Payload);
                }
                else if (message.Topic == _controlTopic)
                {
                    OnControl(message.Payload);
                }
            }
        }

        private void OnPolicy(byte[] payload)
        {
            SignedPolicyEnvelope envelope;
            bool decodes = SignedPolicyEnvelope.TryDecode(payload, 0, payload.Length, out envelope) == ProtoError.None;
            if (decodes && _engine.Policy != null && envelope.Version == _engine.Policy.Version)
            {
                // The retained policy comes again at every reconnect: nothing new, nothing refused.
                return;
            }

            PolicyRefusal refusal = _engine.ApplyPolicy(payload, 0, payload.Length);
            UplinkEnvelope ack = new UplinkEnvelope();
            ack.Body = UplinkBody.PolicyAck;
            ack.CreatedAtUnixMs = _engine.NowUnixMs;
            ack.PolicyAck = new PolicyAck();
            ack.PolicyAck.AppliedVersion = _engine.Policy == null ? 0 : _engine.Policy.Version;
            if (refusal != PolicyRefusal.None)
            {
                ack.PolicyAck.RefusedVersion = decodes ? envelope.Version : 0;
                ack.PolicyAck.Refusal = (int)refusal;
            }

            _queue.Enqueue(ack);
        }

        private void OnControl(byte[] payload)
        {
            ControlMessage control;
            if (ControlMessage.TryDecode(payload, 0, payload.Length, out control) != ProtoError.None)
            {
                return;
            }

            switch (control.Body)
            {
                case ControlBody.UplinkAck:
                    _queue.Outbox.Acknowledge(control.AckedThroughSequence);
                    break;
                case ControlBody.TimeSync:
                    _engine.ApplyTimeSync(control.ServerUnixMs);
                    break;
                case ControlBody.Extension:
                    _engine.ApplyExtension(control.GrantId, control.ExtraMinutes, control.Category, control.ValidUntilUnix);
                    break;
                case ControlBody.GuardianAnswer:
                    _engine.ApplyAnswer(control.AskedAtUnix, control.AnswerReason, control.AnswerSubject, control.Approved);
                    break;
            }
        }

        private UplinkEnvelope Heartbeat()
        {
            UplinkEnvelope message = new UplinkEnvelope();
            message.Body = UplinkBody.Heartbeat;
            message.CreatedAtUnixMs = _engine.NowUnixMs;
            message.Heartbeat = new Heartbeat();
            message.Heartbeat.FirmwareVersion = _firmwareVersion;
            message.Heartbeat.PolicyVersion = _engine.Policy == null ? 0 : _engine.Policy.Version;
            message.Heartbeat.OutboxBytes = (uint)_queue.Outbox.StoredBytes;
            message.Heartbeat.OutboxMessages = (uint)_queue.Outbox.PendingMessages;
            message.Heartbeat.ClockState = (int)_engine.Clock.State;
            message.Heartbeat.UptimeSeconds = (uint)(_clock.MonotonicMs / 1000);
            // Only a trusted clock vouches: a stale one may run ahead, and a claim is never taken back.
            message.Heartbeat.UsageCompleteThroughUnix = _engine.Clock.State != Time.ClockState.Trusted
                ? 0
                : _queue.UsageCompleteThroughUnix(message.CreatedAtUnixMs / 1000, _engine.UsageRecordedThroughUnix);
            return message;
        }

        // smartterminal.device.v1.DeviceStatus, retained: online now, offline as the will. The will is
        // fixed at connect, so a policy version in it would be stale after the next policy; it carries
        // only the firmware version, which keeps it ASCII (M2Mqtt takes a will as a string).
        private byte[] Status(bool online)
        {
            ProtoWriter writer = new ProtoWriter(64);
            writer.WriteBool(1, online);
            writer.WriteString(2, _firmwareVersion);
            if (online)
            {
                writer.WriteUInt64(3, _engine.Policy == null ? 0 : _engine.Policy.Version);
            }

            return writer.ToArray();
        }
    }
}
