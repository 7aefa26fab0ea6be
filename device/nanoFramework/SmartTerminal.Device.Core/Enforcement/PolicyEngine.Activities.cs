using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>Apps and time: starting activities, budgets, windows, rest, warnings and accounting.</summary>
    public sealed partial class PolicyEngine
    {
        /// <summary>AppAccess: follow category, rating and budgets.</summary>
        public const int AccessDefault = Wire.AppAccess.Default;

        /// <summary>AppAccess: allowed regardless of rating.</summary>
        public const int AccessAllow = Wire.AppAccess.Allow;

        /// <summary>AppAccess: never allowed.</summary>
        public const int AccessBlock = Wire.AppAccess.Block;

        /// <summary>AppAccess: exempt from time limits (guardian-exempted).</summary>
        public const int AccessExempt = Wire.AppAccess.Exempt;

        private const uint UnratedAge = 18;

        /// <summary>Idle timeout when the policy sets none: idle time is never counted as use.</summary>
        public const uint DefaultIdleTimeoutSeconds = 120;

        private bool _running;
        private uint _runningApp;
        private int _runningCategory;
        private bool _runningExempt;
        private bool _runningCountsTotal;
        private long _lastAccountMonotonicMs;
        private long _lastInteractionMonotonicMs;
        private long _pendingMs;
        private bool _charging;
        private bool _runningOngoing;

        /// <summary>True while an activity is running and being accounted.</summary>
        public bool IsActivityRunning
        {
            get { return _running; }
        }

        /// <summary>The app id of the running activity.</summary>
        public uint RunningApp
        {
            get { return _runningApp; }
        }

        /// <summary>True while minor mode is suspended by an offline code.</summary>
        public bool MinorModeSuspended
        {
            get { return _state.MinorModeSuspendedUntilUnixMs > _clock.NowUnixMs; }
        }

        /// <summary>Tells the engine whether the device is charging (MIIT draft: no use while charging).</summary>
        public void SetCharging(bool charging)
        {
            _charging = charging;
        }

        /// <summary>Whether an app could start now, without starting it or reporting anything (for the UI).</summary>
        public Decision CheckActivity(uint appId)
        {
            Refresh();
            int category;
            bool exempt;
            return EvaluateApp(appId, out category, out exempt);
        }

        /// <summary>
        /// Decides whether an app may start now and, when it may, starts accounting its use.
        /// </summary>
        public Decision StartActivity(uint appId)
        {
            Refresh();
            int category;
            bool exempt;
            Decision decision = EvaluateApp(appId, out category, out exempt);
            if (decision.IsAllowed)
            {
                if (_running)
                {
                    AccountRunning();
                }

                _running = true;
                _runningApp = appId;
                _runningCategory = category;
                _runningExempt = exempt;
                _runningCountsTotal = CountsTowardTotal(category);
                _runningOngoing = false;
                _lastAccountMonotonicMs = _clock.MonotonicMs;
                _lastInteractionMonotonicMs = _lastAccountMonotonicMs;
            }
            else
            {
                RecordDecision(decision, appId);
            }

            return decision;
        }

        /// <summary>Stops accounting the running activity.</summary>
        public void StopActivity()
        {
            if (_running)
            {
                Refresh();
                AccountRunning();
                _running = false;
            }
        }

        /// <summary>The child touched or spoke to the device: the running activity is not idle.</summary>
        public void NoteInteraction()
        {
            _lastInteractionMonotonicMs = _clock.MonotonicMs;
        }

        /// <summary>
        /// The running activity is going on without touches (a video or audio playing, a call, a game
        /// in a cut scene): while set, all of its time counts as use and toward the rest reminder, as
        /// if the child interacted throughout. Otherwise an hour of video watched without a touch would
        /// count two minutes. A new activity starts not ongoing; the head reports playback again.
        /// </summary>
        public void SetOngoing(bool ongoing)
        {
            if (!_running || ongoing == _runningOngoing)
            {
                return;
            }

            // Time up to now counts by the rule that held until now.
            AccountRunning();
            if (!ongoing)
            {
                // Playback just ended: it was use until this moment, and the idle timeout starts now.
                _lastInteractionMonotonicMs = _clock.MonotonicMs;
            }

            _runningOngoing = ongoing;
        }

        /// <summary>
        /// Unix seconds through which the engine has handed every use to its event sink: now when no
        /// activity runs, else the running activity's last accounting step (less the part of a second carried).
        /// </summary>
        public long UsageRecordedThroughUnix
        {
            get
            {
                long nowMs = _clock.NowUnixMs;
                if (!_running)
                {
                    return FloorDiv(nowMs, 1000);
                }

                long unrecordedMs = (_clock.MonotonicMs - _lastAccountMonotonicMs) + _pendingMs;
                return FloorDiv(nowMs - unrecordedMs, 1000);
            }
        }

        /// <summary>True while the running activity is reported as going on without touches.</summary>
        public bool IsActivityOngoing
        {
            get { return _running && _runningOngoing; }
        }

        /// <summary>
        /// Advances accounting (call every few seconds). Counts the running activity's non-idle time,
        /// stops it when a limit is reached, and returns warnings and rest reminders.
        /// </summary>
        public AccountingResult Tick()
        {
            Refresh();
            AccountingResult result = new AccountingResult();
            if (_running)
            {
                result = AccountAndEvaluate();
            }

            SaveIfDue();
            return result;
        }

        private AccountingResult AccountAndEvaluate()
        {
            AccountingResult result = new AccountingResult();
            AccountRunning();
            if (MinorModeSuspended)
            {
                return result;
            }

            // Limits first: a reached budget or curfew stops the activity even when a rest is also due.
            int category;
            bool exempt;
            Decision decision = EvaluateApp(_runningApp, out category, out exempt);
            if (!decision.IsAllowed)
            {
                RecordDecision(decision, _runningApp);
                return Stop(decision.Reason);
            }

            ContinuousUseRule rule = _policy == null ? null : _policy.ContinuousUse;
            if (!_runningExempt && rule != null && rule.LimitMinutes > 0 && _state.ContinuousUseSeconds >= rule.LimitMinutes * 60)
            {
                _state.ContinuousUseSeconds = 0;
                if (rule.ForcedBreak)
                {
                    _state.BreakUntilUnixMs = _nowMs + (rule.RestMinutes * 60000L);
                    Record(Wire.EnforcementEventKind.Rest, (int)DecisionReason.RestRequired, _runningApp, rule.RestMinutes);
                    SaveSoon();
                    return Stop(DecisionReason.RestRequired);
                }

                Record(Wire.EnforcementEventKind.Rest, 0, _runningApp, 0);
                result.Action = AccountingAction.RestReminder;
                return result;
            }

            if (TakeWarning(decision.MinutesLeft))
            {
                result.Action = AccountingAction.Warn;
                result.MinutesLeft = decision.MinutesLeft;
            }

            return result;
        }

        private AccountingResult Stop(DecisionReason reason)
        {
            _running = false;
            AccountingResult result = new AccountingResult();
            result.Action = AccountingAction.Stop;
            result.Reason = reason;
            return result;
        }

        // Counts the time since the last accounting, minus idle time beyond the policy's idle timeout.
        private void AccountRunning()
        {
            long monotonic = _clock.MonotonicMs;
            long countedUntil = monotonic;
            uint idleSeconds = _policy == null || _policy.ContinuousUse == null ? 0 : _policy.ContinuousUse.IdleTimeoutSeconds;
            if (idleSeconds == 0)
            {
                idleSeconds = DefaultIdleTimeoutSeconds;
            }

            if (!_runningOngoing && _lastInteractionMonotonicMs + (idleSeconds * 1000L) < countedUntil)
            {
                countedUntil = _lastInteractionMonotonicMs + (idleSeconds * 1000L);
            }

            if (countedUntil > _lastAccountMonotonicMs)
            {
                _pendingMs += countedUntil - _lastAccountMonotonicMs;
            }

            _lastAccountMonotonicMs = monotonic;
            if (_pendingMs < 1000)
            {
                return;
            }

            uint seconds = (uint)(_pendingMs / 1000);
            _pendingMs -= seconds * 1000L;
            ResetContinuousUseAfterRest();
            AddUsage(_runningCategory, _runningCountsTotal, seconds);
            _events.RecordUsage(FloorDiv(_nowMs, 1000), _runningCategory, _runningApp, seconds);
            _state.ContinuousUseSeconds += seconds;
            _state.LastUseUnixMs = _nowMs;
        }

        private void ResetContinuousUseAfterRest()
        {
            ContinuousUseRule rule = _policy == null ? null : _policy.ContinuousUse;
            if (rule != null && rule.RestMinutes > 0 && _nowMs - _state.LastUseUnixMs >= rule.RestMinutes * 60000L)
            {
                _state.ContinuousUseSeconds = 0;
            }
        }

        private void AddUsage(int category, bool countsTowardTotal, uint seconds)
        {
            int slot = category >= 0 && category < UsageState.CategoryCount ? category : 0;
            _state.CategoryUsedSeconds[slot] += seconds;
            if (countsTowardTotal)
            {
                _state.TotalUsedSeconds += seconds;
            }
        }

        private Decision EvaluateApp(uint appId, out int category, out bool exempt)
        {
            category = 0;
            exempt = false;
            if (_policy == null)
            {
                return Decision.Denied(DecisionReason.NoPolicy);
            }

            int index = SortedLookup.IndexOf(_policy.AppIds, appId);
            int access = AccessDefault;
            if (index >= 0)
            {
                category = _policy.AppCategories[index];
                access = _policy.AppAccess[index];
            }

            if (MinorModeSuspended)
            {
                return Decision.Allowed();
            }

            if (access == AccessBlock || (index < 0 && !_policy.AllowUnlistedApps))
            {
                return Decision.Denied(DecisionReason.Blocked);
            }

            if (index >= 0 && access == AccessDefault && _policy.MaxAgeRating > 0)
            {
                uint rating = _policy.AppAgeRatings[index] == 0 ? UnratedAge : _policy.AppAgeRatings[index];
                if (rating > _policy.MaxAgeRating)
                {
                    return Decision.Denied(DecisionReason.Rating);
                }
            }

            if (_charging && _policy.Permissions != null && _policy.Permissions.BlockWhileCharging)
            {
                return Decision.Denied(DecisionReason.Charging);
            }

            int ignored;
            if (_policy.ClassWindows.Length > 0
                && WindowRules.AnyContains(_policy.ClassWindows, _localWeekday, _localMinute, out ignored)
                && SortedLookup.IndexOf(_policy.ClassAllowedAppIds, appId) < 0)
            {
                return Decision.Denied(DecisionReason.ClassMode);
            }

            exempt = access == AccessExempt;
            return CheckTimeRules(category, exempt);
        }

        // Curfew, rest, daily and category budgets; the decision carries the tightest minutes left.
        private Decision CheckTimeRules(int category, bool exempt)
        {
            if (exempt)
            {
                return Decision.Allowed();
            }

            int windowMinutesLeft = int.MaxValue;
            if (_policy.AllowedWindows.Length > 0
                && !WindowRules.AnyContains(_policy.AllowedWindows, _localWeekday, _localMinute, out windowMinutesLeft))
            {
                return Decision.Denied(DecisionReason.Curfew);
            }

            if (_state.BreakUntilUnixMs > _nowMs)
            {
                return Decision.Denied(DecisionReason.RestRequired);
            }

            long minutesLeft = windowMinutesLeft;
            if (CountsTowardTotal(category) && _policy.DailyBudgetMinutes.Length > 0)
            {
                long allowance = (_policy.DailyBudgetMinutes[_budgetWeekday % _policy.DailyBudgetMinutes.Length] + (long)_state.ExtraMinutesTotal) * 60;
                long remaining = allowance - _state.TotalUsedSeconds;
                if (remaining <= 0)
                {
                    return Decision.Denied(DecisionReason.DailyBudget);
                }

                minutesLeft = Min(minutesLeft, (remaining + 59) / 60);
            }

            CategoryBudget budget = FindBudget(category);
            if (budget != null && !budget.Unlimited)
            {
                int slot = category >= 0 && category < UsageState.CategoryCount ? category : 0;
                long allowance = (budget.DailyMinutes + (long)_state.ExtraMinutesCategory[slot]) * 60;
                long remaining = allowance - _state.CategoryUsedSeconds[slot];
                if (remaining <= 0)
                {
                    return Decision.Denied(DecisionReason.CategoryBudget);
                }

                minutesLeft = Min(minutesLeft, (remaining + 59) / 60);
            }

            if (minutesLeft == int.MaxValue)
            {
                return Decision.Allowed();
            }

            return Decision.AllowedWithMinutes((int)minutesLeft, minutesLeft <= LargestWarning());
        }

        private bool CountsTowardTotal(int category)
        {
            CategoryBudget budget = FindBudget(category);
            return budget == null || !budget.ExemptFromDailyTotal;
        }

        private CategoryBudget FindBudget(int category)
        {
            CategoryBudget[] budgets = _policy == null ? null : _policy.CategoryBudgets;
            if (budgets == null)
            {
                return null;
            }

            for (int i = 0; i < budgets.Length; i++)
            {
                if (budgets[i].Category == category)
                {
                    return budgets[i];
                }
            }

            return null;
        }

        private long LargestWarning()
        {
            uint[] warnings = _policy.WarningMinutes;
            uint largest = 0;
            for (int i = 0; i < warnings.Length; i++)
            {
                if (warnings[i] > largest)
                {
                    largest = warnings[i];
                }
            }

            return largest;
        }

        // True once per warning threshold per day, when the minutes left first reach it.
        private bool TakeWarning(int minutesLeft)
        {
            uint[] warnings = _policy.WarningMinutes;
            bool warn = false;
            for (int i = 0; i < warnings.Length && i < 32; i++)
            {
                uint bit = 1u << i;
                if (minutesLeft <= warnings[i] && (_state.WarningsIssued & bit) == 0)
                {
                    _state.WarningsIssued |= bit;
                    warn = true;
                }
            }

            return warn;
        }

        private void RecordDecision(Decision decision, uint subject)
        {
            if (decision.Kind == DecisionKind.Deny)
            {
                Record(Wire.EnforcementEventKind.Denied, (int)decision.Reason, subject, 0);
            }
            else if (decision.Kind == DecisionKind.NeedsGuardian)
            {
                Record(Wire.EnforcementEventKind.NeedsGuardian, (int)decision.Reason, subject, 0);
            }
        }

        private static long Min(long a, long b)
        {
            return a < b ? a : b;
        }
    }
}
