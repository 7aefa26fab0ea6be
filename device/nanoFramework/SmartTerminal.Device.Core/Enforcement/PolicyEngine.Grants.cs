using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>New policies, online extensions and offline guardian codes.</summary>
    public sealed partial class PolicyEngine
    {
        /// <summary>Wrong codes accepted within <see cref="CodeAttemptWindowMs"/> before codes are locked.</summary>
        public const int MaxFailedCodeAttempts = 5;

        /// <summary>Length of the wrong-code lockout window.</summary>
        public const long CodeAttemptWindowMs = 15 * 60000;

        /// <summary>
        /// How far ahead of an untrusted estimate a code's time step may be: after a power loss without
        /// network the estimate lags real time by the time the device was off, and a guardian's code,
        /// authenticated by its MAC, is then the best witness of the real time.
        /// </summary>
        public const long MaxCodeLeadSeconds = 7 * 86400;

        private static readonly OfflineCodeRule s_defaultCodeRule = CreateDefaultCodeRule();

        private readonly byte[] _codeMessage;
        private readonly byte[] _codeMac;

        /// <summary>
        /// Applies a signed policy envelope received on the policy topic: refused (and reported) when it
        /// is malformed, for another device, signed with an unknown key, forged, or not newer than the
        /// current version; the last good policy then stays in force.
        /// </summary>
        public PolicyRefusal ApplyPolicy(byte[] payload, int offset, int count)
        {
            Refresh();
            SignedPolicyEnvelope envelope;
            ulong version;
            PolicyRefusal refusal = _verifier.Check(payload, offset, count, RefuseAtOrBelow(), out envelope, out version);
            if (refusal == PolicyRefusal.None)
            {
                // The policy in force is released before the new one is decoded, so the two never share
                // the heap (a 5,000-domain policy decodes to 26 KB of a ~90 KB ESP32 heap). The engine is
                // single-threaded: no decision sees the gap. Should the new policy not decode, the one in
                // force is read back from flash, where it still is.
                _policy = null;
                DevicePolicy policy;
                refusal = PolicyVerifier.Decode(payload, envelope, out policy);
                if (refusal == PolicyRefusal.None)
                {
                    Adopt(payload, offset, count, policy, version);
                    return refusal;
                }

                LoadPolicy(null);
            }

            Record(Wire.EnforcementEventKind.PolicyRefused, (int)refusal, (uint)version, (long)version);
            return refusal;
        }

        // The envelope is stored before the version floor moves, so a power cut in between leaves the
        // device with a policy it can verify at the next boot.
        private void Adopt(byte[] payload, int offset, int count, DevicePolicy policy, ulong version)
        {
            byte[] copy = payload;
            if (offset != 0 || count != payload.Length)
            {
                copy = new byte[count];
                System.Array.Copy(payload, offset, copy, 0, count);
            }

            _storage.Write(PolicyFile, copy, count);
            _policy = policy;
            _state.PolicyVersion = version;
            Refresh();
            Save();
        }

        // Versions at or below this are refused. Normally the version in force; if the stored policy was
        // lost and an older one (the flashed baseline) is in force, the highest version ever applied may
        // be applied again (the broker still holds it retained), but nothing older.
        private ulong RefuseAtOrBelow()
        {
            ulong inForce = _policy == null ? 0 : _policy.Version;
            ulong floor = _state.PolicyVersion;
            return inForce >= floor || floor == 0 ? inForce : floor - 1;
        }

        /// <summary>Applies extra time a guardian granted online; each grant id applies once and only before it lapses.</summary>
        public bool ApplyExtension(ulong grantId, uint extraMinutes, uint category, long validUntilUnix)
        {
            Refresh();
            if (grantId == 0 || UsageState.Contains(_state.RecentGrantIds, grantId) || validUntilUnix * 1000 <= _nowMs)
            {
                return false;
            }

            _state.Remember(_state.RecentGrantIds, grantId);
            AddExtraMinutes(category, extraMinutes);
            Record(Wire.EnforcementEventKind.ExtensionApplied, 0, category, extraMinutes);
            Save();
            return true;
        }

        /// <summary>Redeems a one-time offline guardian code typed on the device.</summary>
        public OfflineCodeResult RedeemOfflineCode(string code)
        {
            Refresh();
            if (_policy == null)
            {
                return OfflineCodeResult.NoPolicy;
            }

            if (_nowMs - _state.CodeAttemptsWindowStartUnixMs >= CodeAttemptWindowMs || _nowMs < _state.CodeAttemptsWindowStartUnixMs)
            {
                _state.FailedCodeAttempts = 0;
                _state.CodeAttemptsWindowStartUnixMs = _nowMs;
            }

            if (_state.FailedCodeAttempts >= MaxFailedCodeAttempts)
            {
                return RefuseCode(OfflineCodeResult.Locked, false);
            }

            OfflineCodeRule rule = IsUsable(_policy.OfflineCodes) ? _policy.OfflineCodes : s_defaultCodeRule;
            uint grant;
            uint value;
            long step;
            if (!OfflineCode.TryParse(code, (int)rule.Digits, out grant, out value)
                || (grant <= OfflineCode.MaxExtraMinutesGrant && rule.MaxExtraMinutes > 0 && grant > rule.MaxExtraMinutes)
                || !FindCodeStep(rule, grant, value, out step))
            {
                return RefuseCode(OfflineCodeResult.Invalid, true);
            }

            ulong redemption = OfflineCode.RedemptionId(step, grant);
            if (UsageState.Contains(_state.RedeemedCodes, redemption))
            {
                return RefuseCode(OfflineCodeResult.AlreadyUsed, false);
            }

            _state.Remember(_state.RedeemedCodes, redemption);
            _clock.RaiseLowerBound(step * rule.StepSeconds * 1000);
            Refresh();
            uint minutes;
            if (grant <= OfflineCode.MaxExtraMinutesGrant)
            {
                minutes = grant;
                AddExtraMinutes(0, minutes);
            }
            else
            {
                minutes = OfflineCode.LeaveMinutes(grant);
                _state.MinorModeSuspendedUntilUnixMs = _nowMs + (minutes * 60000L);
            }

            Record(Wire.EnforcementEventKind.CodeRedeemed, 0, grant, minutes);
            Save();
            return OfflineCodeResult.Accepted;
        }

        private bool FindCodeStep(OfflineCodeRule rule, uint grant, uint value, out long step)
        {
            long estimate = _nowMs / 1000 / rule.StepSeconds;
            long lead = _clock.State == Time.ClockState.Untrusted ? MaxCodeLeadSeconds / rule.StepSeconds : rule.WindowSteps;
            for (step = estimate - rule.WindowSteps; step <= estimate + lead; step++)
            {
                uint expected = OfflineCode.ComputeValue(_hmac, _keys.GuardianCodeSecret, step, grant, (int)rule.Digits, _codeMessage, _codeMac);
                if (expected == value)
                {
                    return true;
                }
            }

            return false;
        }

        private OfflineCodeResult RefuseCode(OfflineCodeResult result, bool countsAsFailure)
        {
            if (countsAsFailure)
            {
                _state.FailedCodeAttempts++;
            }

            Record(Wire.EnforcementEventKind.CodeRefused, (int)result, 0, 0);
            Save();
            return result;
        }

        private void AddExtraMinutes(uint category, uint minutes)
        {
            if (category == 0)
            {
                _state.ExtraMinutesTotal += minutes;
            }
            else if (category < UsageState.CategoryCount)
            {
                _state.ExtraMinutesCategory[category] += minutes;
            }

            // New minutes: the warnings may be given again as they run out.
            _state.WarningsIssued = 0;
        }

        // A rule the device can verify with: a sane step, 6-9 digits (31 bits hold 9), a small window.
        private static bool IsUsable(OfflineCodeRule rule)
        {
            return rule != null && rule.StepSeconds >= 30 && rule.Digits >= 6 && rule.Digits <= 9 && rule.WindowSteps <= 12;
        }

        private static OfflineCodeRule CreateDefaultCodeRule()
        {
            OfflineCodeRule rule = new OfflineCodeRule();
            rule.StepSeconds = 300;
            rule.WindowSteps = 2;
            rule.Digits = 8;
            rule.MaxExtraMinutes = 240;
            return rule;
        }
    }
}
