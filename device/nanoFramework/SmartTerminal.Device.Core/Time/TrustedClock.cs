using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Device.Core.Time
{
    /// <summary>
    /// Time the child cannot cheat (design brief section 4). The estimate is a trusted anchor (an SNTP or
    /// service time sync, or after a reboot the last persisted estimate) plus monotonic time since that
    /// anchor. The wall clock never moves the estimate: it is only watched, and a jump against the
    /// monotonic clock is reported as tampering.
    /// </summary>
    /// <remarks>
    /// After a power-on reset without network the estimate restarts from the last persisted value, as if
    /// no time had passed while the device was off. That can only make days start later and curfews last
    /// longer, never the reverse: the device errs towards restriction until the next trusted sync.
    /// </remarks>
    public sealed class TrustedClock
    {
        /// <summary>Disagreement between wall and monotonic clocks that counts as a clock change.</summary>
        public const long JumpToleranceMs = 120000;

        /// <summary>Age of the last trusted sync after which the state is <see cref="ClockState.Stale"/>.</summary>
        public const long StaleAfterMs = 24L * 3600 * 1000;

        private readonly IDeviceClock _clock;
        private long _anchorUnixMs;
        private long _anchorMonotonicMs;
        private bool _synced;
        private long _lastSyncMonotonicMs;
        private long _lastWallUnixMs;
        private long _lastWallMonotonicMs;

        /// <summary>Starts from a lower bound: the last persisted estimate, or the policy's issue time on first boot.</summary>
        public TrustedClock(IDeviceClock clock, long lowerBoundUnixMs)
        {
            _clock = clock;
            _anchorMonotonicMs = clock.MonotonicMs;
            _anchorUnixMs = lowerBoundUnixMs;
            _lastWallMonotonicMs = _anchorMonotonicMs;
            _lastWallUnixMs = clock.WallClockUnixMs;
        }

        /// <summary>Best estimate of the current time, Unix milliseconds.</summary>
        public long NowUnixMs
        {
            get { return _anchorUnixMs + (_clock.MonotonicMs - _anchorMonotonicMs); }
        }

        /// <summary>The device's monotonic clock, milliseconds since boot.</summary>
        public long MonotonicMs
        {
            get { return _clock.MonotonicMs; }
        }

        /// <summary>How far the estimate can be trusted.</summary>
        public ClockState State
        {
            get
            {
                if (!_synced)
                {
                    return ClockState.Untrusted;
                }

                return _clock.MonotonicMs - _lastSyncMonotonicMs > StaleAfterMs ? ClockState.Stale : ClockState.Trusted;
            }
        }

        /// <summary>Applies a trusted time (SNTP, or the service's TimeSync). Returns how far the estimate moved (ms).</summary>
        public long Sync(long trustedUnixMs)
        {
            long moved = trustedUnixMs - NowUnixMs;
            _anchorMonotonicMs = _clock.MonotonicMs;
            _anchorUnixMs = trustedUnixMs;
            _synced = true;
            _lastSyncMonotonicMs = _anchorMonotonicMs;

            // SNTP sets the RTC when it syncs: that jump is not the child's doing.
            _lastWallUnixMs = _clock.WallClockUnixMs;
            _lastWallMonotonicMs = _anchorMonotonicMs;
            return moved;
        }

        /// <summary>
        /// Moves the estimate forward to a time vouched for by an authenticated source that is not a clock
        /// (a guardian's offline code carries the guardian's time step). Never moves it back.
        /// </summary>
        public void RaiseLowerBound(long unixMs)
        {
            if (unixMs > NowUnixMs)
            {
                _anchorMonotonicMs = _clock.MonotonicMs;
                _anchorUnixMs = unixMs;
            }
        }

        /// <summary>
        /// Compares the wall clock's progress with the monotonic clock's since the last call. Returns the
        /// jump in milliseconds (positive = set forward) when it exceeds <see cref="JumpToleranceMs"/>, else 0.
        /// </summary>
        public long TakeWallClockJump()
        {
            long wall = _clock.WallClockUnixMs;
            long monotonic = _clock.MonotonicMs;
            long jump = (wall - _lastWallUnixMs) - (monotonic - _lastWallMonotonicMs);
            _lastWallUnixMs = wall;
            _lastWallMonotonicMs = monotonic;
            if (jump > JumpToleranceMs || jump < -JumpToleranceMs)
            {
                return jump;
            }

            return 0;
        }
    }
}
