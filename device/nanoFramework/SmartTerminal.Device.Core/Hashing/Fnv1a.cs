namespace SmartTerminal.Device.Core.Hashing
{
    /// <summary>
    /// FNV-1a hashes used on the wire instead of clear text (privacy by design, and small sorted arrays on
    /// the device). Domains: 32-bit over lower-case ASCII bytes. Phone numbers: 64-bit over the digits.
    /// The service computes the same hashes with this same class.
    /// </summary>
    public static class Fnv1a
    {
        private const uint Offset32 = 2166136261;
        private const uint Prime32 = 16777619;
        private const ulong Offset64 = 14695981039346656037;
        private const ulong Prime64 = 1099511628211;

        /// <summary>Hash of an app's package name (app ids in policies and telemetry).</summary>
        public static uint Hash32(string text)
        {
            uint hash = Offset32;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < 0x80)
                {
                    hash = (hash ^ c) * Prime32;
                }
                else
                {
                    // Non-ASCII: hash the UTF-16 unit as two bytes so distinct names stay distinct.
                    hash = (hash ^ (uint)(c >> 8)) * Prime32;
                    hash = (hash ^ (uint)(c & 0xFF)) * Prime32;
                }
            }

            return hash;
        }

        /// <summary>
        /// Hash of text[start..end) lower-cased (ASCII only), without allocating. Returns false when the
        /// range holds a non-ASCII character: domains must arrive in their ASCII (punycode) form.
        /// </summary>
        public static bool TryHashLowerAscii(string text, int start, int end, out uint hash)
        {
            hash = Offset32;
            for (int i = start; i < end; i++)
            {
                char c = text[i];
                if (c >= 0x80)
                {
                    return false;
                }

                if (c >= 'A' && c <= 'Z')
                {
                    c = (char)(c + 32);
                }

                hash = (hash ^ c) * Prime32;
            }

            return true;
        }

        /// <summary>Hash of a domain (lower-cased ASCII, trailing dot ignored); 0 when the domain is not ASCII.</summary>
        public static uint HashDomain(string domain)
        {
            int end = domain.Length;
            if (end > 0 && domain[end - 1] == '.')
            {
                end--;
            }

            uint hash;
            return TryHashLowerAscii(domain, 0, end, out hash) ? hash : 0;
        }

        /// <summary>Hash of a phone number over its digits only ("+86 138-0013" and "86138 0013" match).</summary>
        public static ulong HashPhoneNumber(string number)
        {
            ulong hash = Offset64;
            for (int i = 0; i < number.Length; i++)
            {
                char c = number[i];
                if (c >= '0' && c <= '9')
                {
                    hash = (hash ^ c) * Prime64;
                }
            }

            return hash;
        }
    }
}
