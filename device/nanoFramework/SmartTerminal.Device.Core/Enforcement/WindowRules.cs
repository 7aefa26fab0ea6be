using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>Recurring local-time windows: several per day, per weekday, crossing midnight.</summary>
    public static class WindowRules
    {
        /// <summary>Minutes in a day.</summary>
        public const int MinutesPerDay = 1440;

        /// <summary>True when the minute of a day with the given weekday lies in the window.</summary>
        public static bool Contains(TimeWindow window, int weekday, int minute)
        {
            int start = (int)window.StartMinute;
            int end = (int)window.EndMinute;
            if (end > start)
            {
                return StartsOn(window, weekday) && minute >= start && minute < end;
            }

            // Crossing midnight: the evening part belongs to the window's weekday, the morning part to the next day.
            return (StartsOn(window, weekday) && minute >= start)
                || (StartsOn(window, (weekday + 6) % 7) && minute < end);
        }

        /// <summary>
        /// True when any window contains the minute; minutesLeft is then the most minutes until a containing
        /// window ends (overlapping windows extend each other only as far as the longest one).
        /// </summary>
        public static bool AnyContains(TimeWindow[] windows, int weekday, int minute, out int minutesLeft)
        {
            minutesLeft = 0;
            bool inside = false;
            for (int i = 0; i < windows.Length; i++)
            {
                TimeWindow window = windows[i];
                if (!Contains(window, weekday, minute))
                {
                    continue;
                }

                inside = true;
                int left = MinutesUntilEnd(window, minute);
                if (left > minutesLeft)
                {
                    minutesLeft = left;
                }
            }

            return inside;
        }

        private static int MinutesUntilEnd(TimeWindow window, int minute)
        {
            int start = (int)window.StartMinute;
            int end = (int)window.EndMinute;
            if (end > start || minute < end)
            {
                return end - minute;
            }

            return MinutesPerDay - minute + end;
        }

        private static bool StartsOn(TimeWindow window, int weekday)
        {
            return (window.WeekdayMask & (1u << weekday)) != 0;
        }
    }
}
