using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>Contacts, messages, media, domains, purchases, permissions and safety functions.</summary>
    public sealed partial class PolicyEngine
    {
        /// <summary>AlwaysAllowedFunction: calls with guardians.</summary>
        public const int FunctionGuardianCall = Wire.AlwaysAllowedFunction.GuardianCall;

        /// <summary>AlwaysAllowedFunction: messages with guardians.</summary>
        public const int FunctionGuardianMessage = Wire.AlwaysAllowedFunction.GuardianMessage;

        /// <summary>AlwaysAllowedFunction: calls with approved contacts.</summary>
        public const int FunctionContactCall = Wire.AlwaysAllowedFunction.ContactCall;

        /// <summary>SOS (location and call to guardians) is never blocked, whatever the policy says.</summary>
        public Decision CheckSos()
        {
            return Decision.Allowed();
        }

        /// <summary>Whether the child may call the number (hash of its digits, see Fnv1a.HashPhoneNumber).</summary>
        public Decision CheckCall(ulong numberHash)
        {
            return CheckOutgoing(numberHash, FunctionGuardianCall, FunctionContactCall);
        }

        /// <summary>Whether the child may send a text message to the number.</summary>
        public Decision CheckSendMessage(ulong numberHash)
        {
            return CheckOutgoing(numberHash, FunctionGuardianMessage, -1);
        }

        /// <summary>Whether a message from the number is delivered to the child.</summary>
        public Decision CheckIncomingMessage(ulong numberHash)
        {
            Refresh();
            if (ContactRules.IsEmergency(_policy, numberHash))
            {
                return Decision.Allowed();
            }

            if (_policy == null)
            {
                return Deny(DecisionReason.NoPolicy, 0);
            }

            int index;
            ContactPolicy contacts = ContactRules.Of(_policy);
            return Report(ContactRules.CheckIncoming(contacts, ContactRules.RoleOf(contacts, numberHash, out index)), 0);
        }

        /// <summary>Whether the child may send a photo, video, voice message or file to the number.</summary>
        public Decision CheckSendMedia(ulong numberHash)
        {
            Refresh();
            if (_policy == null)
            {
                return Deny(DecisionReason.NoPolicy, 0);
            }

            int index;
            ContactPolicy contacts = ContactRules.Of(_policy);
            int role = ContactRules.RoleOf(contacts, numberHash, out index);
            Decision media = ContactRules.CheckMedia(contacts, role, index);
            if (!media.IsAllowed)
            {
                return Report(media, 0);
            }

            Decision message = CheckSendMessage(numberHash);
            return message.Kind == DecisionKind.NeedsGuardian ? Deny(DecisionReason.MediaNotAllowed, 0) : message;
        }

        /// <summary>Whether a domain may be opened (the browser app itself is checked by <see cref="StartActivity"/>).</summary>
        public Decision CheckDomain(string domain)
        {
            if (_policy == null)
            {
                return Decision.Denied(DecisionReason.NoPolicy);
            }

            return MinorModeSuspended ? Decision.Allowed() : DomainRules.Check(_policy, domain);
        }

        /// <summary>Whether a purchase of the amount (smallest currency unit) may go ahead without the guardian.</summary>
        public Decision CheckPurchase(uint amount)
        {
            Refresh();
            if (_policy == null)
            {
                return Deny(DecisionReason.NoPolicy, amount);
            }

            SpendingRule spending = _policy.Spending;
            if (spending == null || !spending.PaymentsEnabled || amount > spending.PerTransactionCap
                || (long)_state.SpentToday + amount > spending.DailyCap)
            {
                return TakePurchaseApproval(amount) ? Decision.Allowed() : Report(Decision.AskGuardian(DecisionReason.SpendingCap), amount);
            }

            return Decision.Allowed();
        }

        /// <summary>Records a completed purchase against today's spending.</summary>
        public void RecordPurchase(uint amount)
        {
            Refresh();
            _state.SpentToday += amount;
            Save();
        }

        /// <summary>Whether an app may use the camera, microphone or location.</summary>
        public Decision CheckPermission(Permission permission)
        {
            if (_policy == null)
            {
                return Decision.Denied(DecisionReason.NoPolicy);
            }

            PermissionRule rule = _policy.Permissions;
            bool consented = rule != null
                && ((permission == Permission.Camera && rule.CameraAllowed)
                    || (permission == Permission.Microphone && rule.MicrophoneAllowed)
                    || (permission == Permission.Location && rule.LocationAllowed));
            return consented || IsPermissionApproved(permission) ? Decision.Allowed() : Report(Decision.AskGuardian(DecisionReason.Permission), (uint)permission);
        }

        private Decision CheckOutgoing(ulong numberHash, int guardianFunction, int contactFunction)
        {
            Refresh();
            if (ContactRules.IsEmergency(_policy, numberHash))
            {
                return Decision.Allowed();
            }

            if (_policy == null)
            {
                return Deny(DecisionReason.NoPolicy, 0);
            }

            int index;
            ContactPolicy contacts = ContactRules.Of(_policy);
            int role = ContactRules.RoleOf(contacts, numberHash, out index);
            Decision reach = ContactRules.CheckReach(contacts, role);
            if (!reach.IsAllowed)
            {
                return Report(reach, 0);
            }

            if ((role == ContactRules.RoleGuardian && IsAlwaysAllowed(guardianFunction))
                || (role == ContactRules.RoleApproved && IsAlwaysAllowed(contactFunction)))
            {
                return Decision.Allowed();
            }

            return Report(CommunicationGates(), 0);
        }

        // What limits communication that is not always allowed: no budgets, but charging, class and curfew.
        private Decision CommunicationGates()
        {
            if (MinorModeSuspended)
            {
                return Decision.Allowed();
            }

            if (_charging && _policy.Permissions != null && _policy.Permissions.BlockWhileCharging)
            {
                return Decision.Denied(DecisionReason.Charging);
            }

            int ignored;
            if (_policy.ClassWindows.Length > 0 && WindowRules.AnyContains(_policy.ClassWindows, _localWeekday, _localMinute, out ignored))
            {
                return Decision.Denied(DecisionReason.ClassMode);
            }

            if (_policy.AllowedWindows.Length > 0 && !WindowRules.AnyContains(_policy.AllowedWindows, _localWeekday, _localMinute, out ignored))
            {
                return Decision.Denied(DecisionReason.Curfew);
            }

            return Decision.Allowed();
        }

        private bool IsAlwaysAllowed(int function)
        {
            int[] functions = _policy.AlwaysAllowed;
            for (int i = 0; i < functions.Length; i++)
            {
                if (functions[i] == function)
                {
                    return true;
                }
            }

            return false;
        }

        private Decision Deny(DecisionReason reason, uint subject)
        {
            return Report(Decision.Denied(reason), subject);
        }

        private Decision Report(Decision decision, uint subject)
        {
            RecordDecision(decision, subject);
            return decision;
        }
    }
}
