using SmartTerminal.Device.Core.Hashing;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>
    /// Everything the engine must not forget across reboots and power loss: today's counters, the time
    /// lower bound, the policy version floor and the one-time ids already used. Serialised to a fixed
    /// layout with a CRC-32 so that a torn or corrupted file is detected.
    /// </summary>
    public sealed class UsageState
    {
        /// <summary>Categories tracked (AppCategory numbers 0-15).</summary>
        public const int CategoryCount = 16;

        /// <summary>Online grant ids and offline codes remembered to refuse replays.</summary>
        public const int RememberedCount = 8;

        /// <summary>Bytes of the serialised form.</summary>
        public const int SerializedLength = 4 + 4 + 4 + 8 + 4 + 4 + (CategoryCount * 4) + 4 + (CategoryCount * 4)
            + 4 + 8 + 8 + 4 + 8 + 8 + (RememberedCount * 8) + (RememberedCount * 8) + 4 + 4 + 4 + 8 + 4 + 4 + 4;

        private const uint Magic = 0x53555453; // "STUS"
        private const uint FormatVersion = 1;

        /// <summary>Increases with every save; the newer of two valid slots wins.</summary>
        public uint Generation;

        /// <summary>Lower bound of the current time (Unix ms): the trusted clock restarts here after a reboot.</summary>
        public long LowerBoundUnixMs;

        /// <summary>Local day the counters belong to; int.MinValue before the first day.</summary>
        public int Day = int.MinValue;

        /// <summary>Seconds counted against the daily total today.</summary>
        public uint TotalUsedSeconds;

        /// <summary>Seconds used per category today.</summary>
        public uint[] CategoryUsedSeconds = new uint[CategoryCount];

        /// <summary>Extra minutes granted today for the daily total.</summary>
        public uint ExtraMinutesTotal;

        /// <summary>Extra minutes granted today per category.</summary>
        public uint[] ExtraMinutesCategory = new uint[CategoryCount];

        /// <summary>Seconds of continuous use since the last rest.</summary>
        public uint ContinuousUseSeconds;

        /// <summary>When use was last counted (Unix ms): rest is measured from here.</summary>
        public long LastUseUnixMs;

        /// <summary>End of a forced break (Unix ms), 0 when none.</summary>
        public long BreakUntilUnixMs;

        /// <summary>Spent today, smallest currency unit.</summary>
        public uint SpentToday;

        /// <summary>Minor mode is suspended (offline code) until this time (Unix ms).</summary>
        public long MinorModeSuspendedUntilUnixMs;

        /// <summary>Highest policy version applied: anything not newer is refused (rollback).</summary>
        public ulong PolicyVersion;

        /// <summary>Recently applied online grant ids.</summary>
        public ulong[] RecentGrantIds = new ulong[RememberedCount];

        /// <summary>Recently redeemed offline codes (step and grant).</summary>
        public ulong[] RedeemedCodes = new ulong[RememberedCount];

        /// <summary>Warning thresholds already announced today (bit per WarningMinutes entry).</summary>
        public uint WarningsIssued;

        /// <summary>Category of the activity running at the last save, or -1.</summary>
        public int RunningCategory = -1;

        /// <summary>Failed offline-code attempts in the current lockout window.</summary>
        public uint FailedCodeAttempts;

        /// <summary>Start of the current offline-code lockout window (Unix ms).</summary>
        public long CodeAttemptsWindowStartUnixMs;

        /// <summary>Next index to overwrite in <see cref="RecentGrantIds"/> and <see cref="RedeemedCodes"/>.</summary>
        public uint RememberCursor;

        /// <summary>True while a running activity's category counts against the daily total.</summary>
        public bool RunningCountsTowardTotal;

        /// <summary>
        /// Set when the counters were lost: every day the device enters counts as used up until trusted
        /// time says which day it really is (that day stays used up; the next one starts fresh).
        /// </summary>
        public bool UsedUpUntilTrustedTime;

        /// <summary>Clears the per-day counters for a new local day.</summary>
        public void StartDay(int day)
        {
            Day = day;
            TotalUsedSeconds = 0;
            ExtraMinutesTotal = 0;
            SpentToday = 0;
            WarningsIssued = 0;
            for (int i = 0; i < CategoryCount; i++)
            {
                CategoryUsedSeconds[i] = 0;
                ExtraMinutesCategory[i] = 0;
            }
        }

        /// <summary>Marks today as used up: every budget counts as spent.</summary>
        public void UseUpDay()
        {
            TotalUsedSeconds = uint.MaxValue / 2;
            for (int i = 0; i < CategoryCount; i++)
            {
                CategoryUsedSeconds[i] = uint.MaxValue / 2;
            }
        }

        /// <summary>True when the id is remembered.</summary>
        public static bool Contains(ulong[] remembered, ulong id)
        {
            for (int i = 0; i < remembered.Length; i++)
            {
                if (remembered[i] == id)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Remembers an id, overwriting the oldest.</summary>
        public void Remember(ulong[] remembered, ulong id)
        {
            remembered[RememberCursor % RememberedCount] = id;
            RememberCursor++;
        }

        /// <summary>Serialises into buffer (at least <see cref="SerializedLength"/> bytes).</summary>
        public void WriteTo(byte[] buffer)
        {
            int o = LittleEndian.Write(buffer, 0, Magic);
            o = LittleEndian.Write(buffer, o, FormatVersion);
            o = LittleEndian.Write(buffer, o, Generation);
            o = LittleEndian.Write(buffer, o, (ulong)LowerBoundUnixMs);
            o = LittleEndian.Write(buffer, o, (uint)Day);
            o = LittleEndian.Write(buffer, o, TotalUsedSeconds);
            for (int i = 0; i < CategoryCount; i++)
            {
                o = LittleEndian.Write(buffer, o, CategoryUsedSeconds[i]);
            }

            o = LittleEndian.Write(buffer, o, ExtraMinutesTotal);
            for (int i = 0; i < CategoryCount; i++)
            {
                o = LittleEndian.Write(buffer, o, ExtraMinutesCategory[i]);
            }

            o = LittleEndian.Write(buffer, o, ContinuousUseSeconds);
            o = LittleEndian.Write(buffer, o, (ulong)LastUseUnixMs);
            o = LittleEndian.Write(buffer, o, (ulong)BreakUntilUnixMs);
            o = LittleEndian.Write(buffer, o, SpentToday);
            o = LittleEndian.Write(buffer, o, (ulong)MinorModeSuspendedUntilUnixMs);
            o = LittleEndian.Write(buffer, o, PolicyVersion);
            for (int i = 0; i < RememberedCount; i++)
            {
                o = LittleEndian.Write(buffer, o, RecentGrantIds[i]);
            }

            for (int i = 0; i < RememberedCount; i++)
            {
                o = LittleEndian.Write(buffer, o, RedeemedCodes[i]);
            }

            o = LittleEndian.Write(buffer, o, WarningsIssued);
            o = LittleEndian.Write(buffer, o, (uint)RunningCategory);
            o = LittleEndian.Write(buffer, o, FailedCodeAttempts);
            o = LittleEndian.Write(buffer, o, (ulong)CodeAttemptsWindowStartUnixMs);
            o = LittleEndian.Write(buffer, o, RememberCursor);
            o = LittleEndian.Write(buffer, o, (RunningCountsTowardTotal ? 1u : 0) | (UsedUpUntilTrustedTime ? 2u : 0));
            LittleEndian.Write(buffer, o, Crc32.Compute(buffer, 0, o));
        }

        /// <summary>Reads a serialised state; null when the length, magic, version or CRC is wrong.</summary>
        public static UsageState TryRead(byte[] buffer)
        {
            if (buffer == null || buffer.Length != SerializedLength)
            {
                return null;
            }

            int crcOffset = SerializedLength - 4;
            if (LittleEndian.ReadUInt32(buffer, 0) != Magic
                || LittleEndian.ReadUInt32(buffer, 4) != FormatVersion
                || LittleEndian.ReadUInt32(buffer, crcOffset) != Crc32.Compute(buffer, 0, crcOffset))
            {
                return null;
            }

            UsageState s = new UsageState();
            int o = 8;
            s.Generation = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            s.LowerBoundUnixMs = (long)LittleEndian.ReadUInt64(buffer, o);
            o += 8;
            s.Day = (int)LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            s.TotalUsedSeconds = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            for (int i = 0; i < CategoryCount; i++, o += 4)
            {
                s.CategoryUsedSeconds[i] = LittleEndian.ReadUInt32(buffer, o);
            }

            s.ExtraMinutesTotal = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            for (int i = 0; i < CategoryCount; i++, o += 4)
            {
                s.ExtraMinutesCategory[i] = LittleEndian.ReadUInt32(buffer, o);
            }

            s.ContinuousUseSeconds = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            s.LastUseUnixMs = (long)LittleEndian.ReadUInt64(buffer, o);
            o += 8;
            s.BreakUntilUnixMs = (long)LittleEndian.ReadUInt64(buffer, o);
            o += 8;
            s.SpentToday = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            s.MinorModeSuspendedUntilUnixMs = (long)LittleEndian.ReadUInt64(buffer, o);
            o += 8;
            s.PolicyVersion = LittleEndian.ReadUInt64(buffer, o);
            o += 8;
            for (int i = 0; i < RememberedCount; i++, o += 8)
            {
                s.RecentGrantIds[i] = LittleEndian.ReadUInt64(buffer, o);
            }

            for (int i = 0; i < RememberedCount; i++, o += 8)
            {
                s.RedeemedCodes[i] = LittleEndian.ReadUInt64(buffer, o);
            }

            s.WarningsIssued = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            s.RunningCategory = (int)LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            s.FailedCodeAttempts = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            s.CodeAttemptsWindowStartUnixMs = (long)LittleEndian.ReadUInt64(buffer, o);
            o += 8;
            s.RememberCursor = LittleEndian.ReadUInt32(buffer, o);
            o += 4;
            uint flags = LittleEndian.ReadUInt32(buffer, o);
            s.RunningCountsTowardTotal = (flags & 1) != 0;
            s.UsedUpUntilTrustedTime = (flags & 2) != 0;
            return s;
        }
    }
}
