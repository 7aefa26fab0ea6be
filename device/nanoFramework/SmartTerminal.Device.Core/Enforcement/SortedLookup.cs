namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>Binary search over the policy's sorted arrays (no generics on the device, so one per type).</summary>
    public static class SortedLookup
    {
        /// <summary>Index of value in a sorted array, or -1.</summary>
        public static int IndexOf(uint[] sorted, uint value)
        {
            if (sorted == null)
            {
                return -1;
            }

            int low = 0;
            int high = sorted.Length - 1;
            while (low <= high)
            {
                int middle = (low + high) >> 1;
                uint current = sorted[middle];
                if (current == value)
                {
                    return middle;
                }

                if (current < value)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return -1;
        }

        /// <summary>Index of value in a sorted array, or -1.</summary>
        public static int IndexOf(ulong[] sorted, ulong value)
        {
            if (sorted == null)
            {
                return -1;
            }

            int low = 0;
            int high = sorted.Length - 1;
            while (low <= high)
            {
                int middle = (low + high) >> 1;
                ulong current = sorted[middle];
                if (current == value)
                {
                    return middle;
                }

                if (current < value)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return -1;
        }
    }
}
