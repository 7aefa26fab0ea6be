using SmartTerminal.Device.Core.Enforcement;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Device.Core.Runtime
{
    /// <summary>
    /// Everything a device runs, composed from its configuration and the platform services: the policy
    /// engine, the usage ledger, the durable outbox and the MQTT session. The ESP32 head and the .NET
    /// device host both build exactly this and call <see cref="Step"/> about once a second.
    /// </summary>
    public sealed class DeviceRuntime
    {
        /// <summary>Segment size of the outbox.</summary>
        public const int SegmentBytes = 8192;

        /// <summary>Outbox capacity when the configuration gives none.</summary>
        public const int DefaultOutboxBytes = 65536;

        private const long LedgerSaveIntervalMs = 60000;
        private const long FlushIntervalMs = 10000;

        private readonly IDeviceClock _clock;
        private long _nextLedgerSaveMs;
        private long _nextFlushMs;

        /// <summary>Recovers storage and starts the engine; the session connects at the first steps.</summary>
        public DeviceRuntime(DeviceConfig config, IDeviceClock clock, IStorage storage, IHmacSha256 hmac, IMqttTransport transport, string firmwareVersion)
        {
            _clock = clock;
            int capacity = config.OutboxCapacityBytes == 0 ? DefaultOutboxBytes : (int)config.OutboxCapacityBytes;
            Ledger = new UsageLedger(storage);
            Queue = new UplinkQueue(Ledger, new Outbox(storage, capacity, SegmentBytes));
            Queue.Recover(new byte[SegmentBytes]);
            DeviceKeys keys = new DeviceKeys(config.DeviceId, config.PolicyKeyId, config.PolicyKey, config.GuardianCodeSecret);
            Engine = new PolicyEngine(clock, storage, hmac, Ledger, keys, config.InitialPolicy);
            Session = new MqttSession(transport, clock, Engine, Queue, config.DeviceId, config.MqttPassword, firmwareVersion, config.HeartbeatSeconds, (int)(clock.MonotonicMs ^ config.DeviceId.GetHashCode()));
        }

        /// <summary>The policy engine (the UI asks it for decisions).</summary>
        public PolicyEngine Engine { get; private set; }

        /// <summary>Usage and events waiting to become uplinks.</summary>
        public UsageLedger Ledger { get; private set; }

        /// <summary>The outbox and the sequence numbering.</summary>
        public UplinkQueue Queue { get; private set; }

        /// <summary>The MQTT session.</summary>
        public MqttSession Session { get; private set; }

        /// <summary>One round: accounting, moving closed buckets to the outbox, MQTT, periodic saves.</summary>
        public AccountingResult Step()
        {
            AccountingResult result = Engine.Tick();
            long now = _clock.MonotonicMs;
            if (now >= _nextFlushMs)
            {
                _nextFlushMs = now + FlushIntervalMs;
                Queue.Flush(Engine.NowUnixMs / 1000, Engine.NowUnixMs);
            }

            Session.Step();
            if (now >= _nextLedgerSaveMs)
            {
                _nextLedgerSaveMs = now + LedgerSaveIntervalMs;
                Queue.SaveIfDirty();
            }

            return result;
        }

        /// <summary>
        /// Saves everything before a planned shutdown. The running activity ends here (its use is
        /// counted up to now), so the next boot knows the device went off cleanly and counts no gap.
        /// </summary>
        public void Shutdown()
        {
            Engine.StopActivity();
            Engine.Checkpoint();
            Queue.SaveIfDirty();
        }
    }
}
