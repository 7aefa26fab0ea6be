using SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.PolicyService.Policies;

/// <summary>
/// A week as 7 x 1440 minutes. Windows (with weekday masks and midnight crossings) are painted onto
/// it and read back as windows: the simplest correct way to subtract required curfews from allowed
/// windows and to test overlaps.
/// </summary>
public sealed class MinuteGrid
{
    private const int Minutes = 1440;
    private readonly bool[] _week = new bool[7 * Minutes];

    public static MinuteGrid FullWeek()
    {
        var grid = new MinuteGrid();
        Array.Fill(grid._week, true);
        return grid;
    }

    public static MinuteGrid Of(IEnumerable<TimeWindow> windows)
    {
        var grid = new MinuteGrid();
        foreach (var window in windows)
        {
            grid.Paint(window, true);
        }

        return grid;
    }

    public void Subtract(IEnumerable<TimeWindow> windows)
    {
        foreach (var window in windows)
        {
            Paint(window, false);
        }
    }

    public bool Overlaps(MinuteGrid other) => _week.Where((set, i) => set && other._week[i]).Any();

    public bool IsFull => _week.All(set => set);

    /// <summary>Windows covering exactly the set minutes; weekdays with the same intervals share a window.</summary>
    public IReadOnlyList<TimeWindow> ToWindows()
    {
        var byInterval = new SortedDictionary<(uint Start, uint End), uint>();
        for (var day = 0; day < 7; day++)
        {
            var minute = 0;
            while (minute < Minutes)
            {
                if (!_week[(day * Minutes) + minute])
                {
                    minute++;
                    continue;
                }

                var start = minute;
                while (minute < Minutes && _week[(day * Minutes) + minute])
                {
                    minute++;
                }

                var key = ((uint)start, (uint)minute);
                byInterval[key] = byInterval.GetValueOrDefault(key) | (1u << day);
            }
        }

        return [.. byInterval.Select(p => new TimeWindow { WeekdayMask = p.Value, StartMinute = p.Key.Start, EndMinute = p.Key.End })];
    }

    private void Paint(TimeWindow window, bool value)
    {
        var start = (int)Math.Min(window.StartMinute, Minutes);
        var end = (int)Math.Min(window.EndMinute, Minutes);
        for (var day = 0; day < 7; day++)
        {
            if ((window.WeekdayMask & (1u << day)) == 0)
            {
                continue;
            }

            if (end > start)
            {
                Fill(day, start, end, value);
            }
            else
            {
                Fill(day, start, Minutes, value);
                Fill((day + 1) % 7, 0, end, value);
            }
        }
    }

    private void Fill(int day, int from, int to, bool value) => Array.Fill(_week, value, (day * Minutes) + from, to - from);
}
