using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>
    /// Asking a guardian (more time, a purchase, a permission) and what the answer does here. A request is
    /// a NEEDS_GUARDIAN event, named by its time, reason and subject; the answer comes back as a control
    /// message. Approved time arrives as an extension; an approved purchase lets one purchase of at most
    /// that amount through, an approved permission lets it be used, for <see cref="ApprovalWindowMs"/>.
    /// Approvals live in memory only: a reboot forgets them, which errs on the child's guardian's side.
    /// </summary>
    public sealed partial class PolicyEngine
    {
        /// <summary>Most minutes a child may ask for at once.</summary>
        public const uint MaxMinutesAsked = 480;

        /// <summary>Asking again for the same within this time records nothing new (a child pressing the button).</summary>
        public const long AskAgainAfterMs = 60000;

        /// <summary>How long an approved purchase or permission stays usable after the answer arrives.</summary>
        public const long ApprovalWindowMs = 10 * 60000;

        /// <summary>Answers to requests older than this are ignored (a delayed or replayed message).</summary>
        public const long AnswerValidMs = 24 * 3600000L;

        private long _lastAskMs;
        private uint _lastAskCategory = uint.MaxValue;
        private uint _approvedPurchase;
        private long _purchaseApprovedUntilMs;
        private int _approvedPermission = -1;
        private long _permissionApprovedUntilMs;

        /// <summary>The last answer a guardian gave, for the screen: 0 none, 1 approved, 2 declined.</summary>
        public int LastAnswer { get; private set; }

        /// <summary>DecisionReason of the request <see cref="LastAnswer"/> answered.</summary>
        public DecisionReason LastAnswerReason { get; private set; }

        /// <summary>
        /// Asks the guardians for more minutes today, for the daily total (category 0) or one category.
        /// False when there is nothing to ask for (no policy yet, an unknown category, 0 minutes).
        /// </summary>
        public bool AskForMoreTime(uint category, uint minutes)
        {
            Refresh();
            if (_policy == null || category >= UsageState.CategoryCount || minutes == 0)
            {
                return false;
            }

            if (category == _lastAskCategory && _nowMs - _lastAskMs < AskAgainAfterMs && _nowMs >= _lastAskMs)
            {
                return true;
            }

            _lastAskMs = _nowMs;
            _lastAskCategory = category;
            DecisionReason reason = category == 0 ? DecisionReason.DailyBudget : DecisionReason.CategoryBudget;
            Record(Wire.EnforcementEventKind.NeedsGuardian, (int)reason, category, minutes > MaxMinutesAsked ? MaxMinutesAsked : minutes);
            return true;
        }

        /// <summary>
        /// Applies a guardian's answer to a request this device made; false when it is too old to apply
        /// (or from the future of this device's clock by more than a day).
        /// </summary>
        public bool ApplyAnswer(long askedAtUnix, uint reason, uint subject, bool approved)
        {
            Refresh();
            long askedAtMs = askedAtUnix * 1000;
            if (_nowMs - askedAtMs > AnswerValidMs || askedAtMs - _nowMs > AnswerValidMs)
            {
                return false;
            }

            LastAnswer = approved ? 1 : 2;
            LastAnswerReason = (DecisionReason)reason;
            if (approved && reason == (uint)DecisionReason.SpendingCap)
            {
                _approvedPurchase = subject;
                _purchaseApprovedUntilMs = _nowMs + ApprovalWindowMs;
            }
            else if (approved && reason == (uint)DecisionReason.Permission)
            {
                _approvedPermission = (int)subject;
                _permissionApprovedUntilMs = _nowMs + ApprovalWindowMs;
            }

            return true;
        }

        // An approved purchase is used up by the first purchase it covers.
        private bool TakePurchaseApproval(uint amount)
        {
            if (_approvedPurchase == 0 || amount > _approvedPurchase || _nowMs >= _purchaseApprovedUntilMs)
            {
                return false;
            }

            _approvedPurchase = 0;
            return true;
        }

        private bool IsPermissionApproved(Permission permission)
        {
            return _approvedPermission == (int)permission && _nowMs < _permissionApprovedUntilMs;
        }
    }
}
