using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Time
{
    /// <summary>
    /// Local time from UTC with the UTC-offset transitions the service put in the policy (the device has
    /// no time-zone database and no zone setting the child could change).
    /// </summary>
    public static class LocalCalendar
    {
        /// <summary>Seconds in a day.</summary>
        public const int SecondsPerDay = 86400;

        /// <summary>Offset from UTC in minutes at a moment; UTC when the policy has no transitions.</summary>
        public static int OffsetMinutesAt(DevicePolicy policy, long unixSeconds)
        {
            long[] from = policy == null ? null : policy.UtcOffsetFromUnix;
            if (from == null || from.Length == 0)
            {
                return 0;
            }

            // Last transition at or before the moment; before the first one, the first offset applies.
            int low = 0;
            int high = from.Length - 1;
            int found = 0;
            while (low <= high)
            {
                int middle = (low + high) >> 1;
                if (from[middle] <= unixSeconds)
                {
                    found = middle;
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return policy.UtcOffsetMinutes[found];
        }

        /// <summary>Local seconds since the local epoch.</summary>
        public static long LocalSeconds(DevicePolicy policy, long unixSeconds)
        {
            return unixSeconds + OffsetMinutesAt(policy, unixSeconds) * 60L;
        }

        /// <summary>Local day number (days since 1970-01-01 local).</summary>
        public static int DayOf(long localSeconds)
        {
            long day = localSeconds / SecondsPerDay;
            if (localSeconds < 0 && localSeconds % SecondsPerDay != 0)
            {
                day--;
            }

            return (int)day;
        }

        /// <summary>Minute of the local day (0-1439).</summary>
        public static int MinuteOf(long localSeconds)
        {
            long second = localSeconds - (long)DayOf(localSeconds) * SecondsPerDay;
            return (int)(second / 60);
        }

        /// <summary>Weekday of a local day, Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday).</summary>
        public static int WeekdayOf(int day)
        {
            int weekday = (day + 3) % 7;
            return weekday < 0 ? weekday + 7 : weekday;
        }
    }
}
