using SmartTerminal.Device.Core.Hashing;
using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>
    /// Domain checks against sorted FNV-1a hashes: a domain matches a rule when it, or a parent domain
    /// (any suffix starting after a dot), is listed; "video.example.com" matches "example.com".
    /// </summary>
    public static class DomainRules
    {
        /// <summary>DomainMode: everything except blocked domains.</summary>
        public const int ModeBlocklist = Wire.DomainMode.Blocklist;

        /// <summary>DomainMode: only allowed domains.</summary>
        public const int ModeAllowlistOnly = Wire.DomainMode.AllowlistOnly;

        /// <summary>Decides whether a domain (ASCII or punycode, any case) may be opened.</summary>
        public static Decision Check(DevicePolicy policy, string domain)
        {
            if (domain == null || domain.Length == 0)
            {
                return Decision.Denied(DecisionReason.Blocked);
            }

            int end = domain[domain.Length - 1] == '.' ? domain.Length - 1 : domain.Length;
            bool allowedListed = false;
            int start = 0;
            while (true)
            {
                uint hash;
                if (!Fnv1a.TryHashLowerAscii(domain, start, end, out hash))
                {
                    // Browsers resolve IDNs in punycode; raw non-ASCII cannot be matched safely.
                    return Decision.Denied(DecisionReason.Blocked);
                }

                if (SortedLookup.IndexOf(policy.BlockedDomainHashes, hash) >= 0)
                {
                    return Decision.Denied(DecisionReason.Blocked);
                }

                if (!allowedListed && SortedLookup.IndexOf(policy.AllowedDomainHashes, hash) >= 0)
                {
                    allowedListed = true;
                }

                int dot = domain.IndexOf('.', start);
                if (dot < 0 || dot >= end - 1)
                {
                    break;
                }

                start = dot + 1;
            }

            if (policy.DomainMode == ModeAllowlistOnly && !allowedListed)
            {
                return Decision.Denied(DecisionReason.Blocked);
            }

            return Decision.Allowed();
        }
    }
}
