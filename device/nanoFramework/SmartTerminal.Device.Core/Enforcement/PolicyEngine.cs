using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Platform;
using SmartTerminal.Device.Core.Time;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>
    /// Decides on the child's device, without network, what is allowed right now, and accounts usage.
    /// It never fails open: without a valid policy only emergency functions work; an expired policy
    /// stays in force; time comes from <see cref="TrustedClock"/>, never from the wall clock; usage
    /// counters are saved every minute (and on every grant) so that a reboot or power loss loses at most
    /// a minute, and that minute is counted against the child.
    /// </summary>
    /// <remarks>
    /// Single-threaded: the head calls it from one thread (or under one lock). Decision calls and
    /// <see cref="Tick"/> allocate nothing.
    /// </remarks>
    public sealed partial class PolicyEngine
    {
        /// <summary>File holding the last accepted signed policy envelope.</summary>
        public const string PolicyFile = "policy.bin";

        /// <summary>How often usage counters are saved while the device runs.</summary>
        public const long CheckpointIntervalMs = 60000;

        private readonly IDeviceClock _deviceClock;
        private readonly IStorage _storage;
        private readonly IHmacSha256 _hmac;
        private readonly IEnforcementEventSink _events;
        private readonly DeviceKeys _keys;
        private readonly UsageStateStore _store;
        private readonly PolicyVerifier _verifier;
        private TrustedClock _clock;
        private DevicePolicy _policy;
        private UsageState _state;
        private long _lastCheckpointMonotonicMs;
        private long _nowMs;
        private int _localWeekday;
        private int _localMinute;
        private int _budgetWeekday;

        /// <summary>
        /// Starts the engine: loads the last accepted policy (or the initial policy from the flashed
        /// configuration), the usage state, and counts any gap the last power loss left.
        /// </summary>
        public PolicyEngine(IDeviceClock clock, IStorage storage, IHmacSha256 hmac, IEnforcementEventSink events, DeviceKeys keys, byte[] initialPolicy)
        {
            _deviceClock = clock;
            _storage = storage;
            _hmac = hmac;
            _events = events;
            _keys = keys;
            _store = new UsageStateStore(storage);
            _verifier = new PolicyVerifier(hmac, keys);
            _codeMessage = new byte[OfflineCode.MessageLength];
            _codeMac = new byte[32];
            Boot(initialPolicy);
        }

        /// <summary>The policy in force, or null when the device has none.</summary>
        public DevicePolicy Policy
        {
            get { return _policy; }
        }

        /// <summary>The persisted counters (read-only use: tests, heartbeats, telemetry).</summary>
        public UsageState State
        {
            get { return _state; }
        }

        /// <summary>The trusted clock.</summary>
        public TrustedClock Clock
        {
            get { return _clock; }
        }

        /// <summary>Best trusted-time estimate, Unix milliseconds.</summary>
        public long NowUnixMs
        {
            get { return _clock.NowUnixMs; }
        }

        /// <summary>Bytes written to storage per checkpoint.</summary>
        public int CheckpointBytes
        {
            get { return _store.BytesPerSave; }
        }

        /// <summary>Applies a trusted time (SNTP or the service's TimeSync control message).</summary>
        public void ApplyTimeSync(long trustedUnixMs)
        {
            _clock.Sync(trustedUnixMs);
            Refresh();
            Save();
        }

        /// <summary>Saves the counters now (call before a planned shutdown).</summary>
        public void Checkpoint()
        {
            Refresh();
            Save();
        }

        private void Boot(byte[] initialPolicy)
        {
            LoadPolicy(initialPolicy);
            UsageState state;
            StateLoadResult loaded = _store.Load(out state);
            long policyFloorMs = _policy == null ? 0 : _policy.IssuedAtUnix * 1000;
            if (loaded == StateLoadResult.Fresh || loaded == StateLoadResult.Corrupt)
            {
                state = new UsageState();
                state.LowerBoundUnixMs = policyFloorMs;
            }

            if (state.LowerBoundUnixMs < policyFloorMs)
            {
                state.LowerBoundUnixMs = policyFloorMs;
            }

            if (_policy != null && _policy.Version > state.PolicyVersion)
            {
                state.PolicyVersion = _policy.Version;
            }

            _state = state;
            _clock = new TrustedClock(_deviceClock, state.LowerBoundUnixMs);
            Refresh();

            if (loaded == StateLoadResult.Corrupt)
            {
                // Never "nothing used today": without trustworthy counters, today counts as used up,
                // and so does the day trusted time later reveals (the counters of that day are lost too).
                _state.UseUpDay();
                _state.UsedUpUntilTrustedTime = true;
                Record(Wire.EnforcementEventKind.StateCorrupt, 0, 0, 0);
            }
            else if (loaded == StateLoadResult.RecoveredOlder)
            {
                Record(Wire.EnforcementEventKind.StateCorrupt, 0, 0, 1);
                CountUnknownGap();
            }
            else if (_state.RunningCategory >= 0)
            {
                CountUnknownGap();
            }

            _state.RunningCategory = -1;
            Save();
        }

        // The last accepted policy from flash, else the one flashed with the configuration, which is then
        // copied to flash too: the policy in force can always be read back from there (see ApplyPolicy),
        // and the engine does not keep the configuration's bytes alive.
        private void LoadPolicy(byte[] initialPolicy)
        {
            byte[] stored = _storage.Read(PolicyFile);
            DevicePolicy policy;
            ulong version;
            if (stored != null && _verifier.Verify(stored, 0, stored.Length, 0, out policy, out version) == PolicyRefusal.None)
            {
                _policy = policy;
                return;
            }

            if (initialPolicy != null && _verifier.Verify(initialPolicy, 0, initialPolicy.Length, 0, out policy, out version) == PolicyRefusal.None)
            {
                _storage.Write(PolicyFile, initialPolicy, initialPolicy.Length);
                _policy = policy;
            }
        }

        // Power was lost while an activity ran: up to one checkpoint interval of use went unrecorded.
        // It is counted as used, so a power cut never gives time back.
        private void CountUnknownGap()
        {
            int category = _state.RunningCategory < 0 ? 0 : _state.RunningCategory;
            uint gapSeconds = (uint)(CheckpointIntervalMs / 1000);
            AddUsage(category, _state.RunningCountsTowardTotal, gapSeconds);
            _events.RecordUsage(FloorDiv(_nowMs, 1000), category, 0, gapSeconds);
            Record(Wire.EnforcementEventKind.RebootGap, 0, (uint)category, gapSeconds);
        }

        /// <summary>Brings time-derived fields up to date: tamper check, day boundary, local weekday and minute.</summary>
        private void Refresh()
        {
            long jump = _clock.TakeWallClockJump();
            _nowMs = _clock.NowUnixMs;
            if (jump != 0)
            {
                Record(Wire.EnforcementEventKind.ClockTamper, 0, 0, jump / 1000);
            }

            long localSeconds = LocalCalendar.LocalSeconds(_policy, FloorDiv(_nowMs, 1000));
            int day = LocalCalendar.DayOf(localSeconds);

            // Days only move forward: a zone change or a sync that moves local time back never
            // reopens a day whose budget was already spent, and each new day resets exactly once.
            if (_state.Day == int.MinValue || day > _state.Day)
            {
                _state.StartDay(day);
                if (_state.UsedUpUntilTrustedTime)
                {
                    _state.UseUpDay();
                }

                SaveSoon();
            }

            if (_state.UsedUpUntilTrustedTime && _clock.State != ClockState.Untrusted)
            {
                _state.UsedUpUntilTrustedTime = false;
                SaveSoon();
            }

            // Windows follow the local clock as it is; budgets follow the day the counters belong to.
            _localWeekday = LocalCalendar.WeekdayOf(day);
            _localMinute = LocalCalendar.MinuteOf(localSeconds);
            _budgetWeekday = LocalCalendar.WeekdayOf(_state.Day);
        }

        private void SaveIfDue()
        {
            if (_clock.MonotonicMs - _lastCheckpointMonotonicMs >= CheckpointIntervalMs)
            {
                Save();
            }
        }

        // Forces the next SaveIfDue to write.
        private void SaveSoon()
        {
            _lastCheckpointMonotonicMs = long.MinValue / 2;
        }

        private void Save()
        {
            _state.LowerBoundUnixMs = _clock.NowUnixMs;
            _state.RunningCategory = _running ? _runningCategory : -1;
            _state.RunningCountsTowardTotal = _running && _runningCountsTotal;
            _store.Save(_state);
            _lastCheckpointMonotonicMs = _clock.MonotonicMs;
        }

        private void Record(int kind, int reason, uint subject, long detail)
        {
            _events.Record(FloorDiv(_nowMs, 1000), kind, reason, subject, detail);
        }

        private static long FloorDiv(long value, long divisor)
        {
            long quotient = value / divisor;
            return value < 0 && value % divisor != 0 ? quotient - 1 : quotient;
        }
    }
}
