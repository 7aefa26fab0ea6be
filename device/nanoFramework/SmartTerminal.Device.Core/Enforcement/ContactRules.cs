using SmartTerminal.Device.Core.Messages;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>
    /// Who may call and message the child, and to whom media may go. Contacts are matched by the hash
    /// of their number; the device never holds numbers in clear.
    /// </summary>
    public static class ContactRules
    {
        /// <summary>ContactMode: anyone.</summary>
        public const int ModeOpen = Wire.ContactMode.Open;

        /// <summary>ContactMode: only listed contacts.</summary>
        public const int ModeAllowlist = Wire.ContactMode.Allowlist;

        /// <summary>ContactMode: listed contacts; new ones need the guardian.</summary>
        public const int ModeAllowlistWithApproval = Wire.ContactMode.AllowlistWithApproval;

        /// <summary>MediaMode: only contacts marked for media (and guardians).</summary>
        public const int MediaApprovedContacts = Wire.MediaMode.ApprovedContacts;

        /// <summary>MediaMode: guardians only.</summary>
        public const int MediaGuardiansOnly = Wire.MediaMode.GuardiansOnly;

        /// <summary>MediaMode: any reachable contact.</summary>
        public const int MediaAnyContact = Wire.MediaMode.AnyContact;

        /// <summary>ContactRole: approved.</summary>
        public const int RoleApproved = Wire.ContactRole.Approved;

        /// <summary>ContactRole: guardian.</summary>
        public const int RoleGuardian = Wire.ContactRole.Guardian;

        /// <summary>ContactRole: blocked.</summary>
        public const int RoleBlocked = Wire.ContactRole.Blocked;

        /// <summary>No contact found.</summary>
        public const int RoleUnknown = -1;

        private static readonly ContactPolicy s_defaults = new ContactPolicy();

        /// <summary>The policy's contact rules, or the protobuf defaults (open, strangers off, media to approved only).</summary>
        public static ContactPolicy Of(DevicePolicy policy)
        {
            return policy.Contacts ?? s_defaults;
        }

        /// <summary>True when the number is an emergency number.</summary>
        public static bool IsEmergency(DevicePolicy policy, ulong numberHash)
        {
            return policy != null && SortedLookup.IndexOf(Of(policy).EmergencyNumberHashes, numberHash) >= 0;
        }

        /// <summary>Role of the number, or <see cref="RoleUnknown"/>; index receives its position.</summary>
        public static int RoleOf(ContactPolicy contacts, ulong numberHash, out int index)
        {
            index = SortedLookup.IndexOf(contacts.NumberHashes, numberHash);
            return index < 0 ? RoleUnknown : contacts.Roles[index];
        }

        /// <summary>Whether the child may call or message the number, by the contact list alone.</summary>
        public static Decision CheckReach(ContactPolicy contacts, int role)
        {
            if (role == RoleBlocked)
            {
                return Decision.Denied(DecisionReason.ContactNotAllowed);
            }

            if (role != RoleUnknown || contacts.Mode == ModeOpen)
            {
                return Decision.Allowed();
            }

            return contacts.Mode == ModeAllowlistWithApproval
                ? Decision.AskGuardian(DecisionReason.ContactNotAllowed)
                : Decision.Denied(DecisionReason.ContactNotAllowed);
        }

        /// <summary>Whether a message from the number is delivered (strangers' messages are off by default).</summary>
        public static Decision CheckIncoming(ContactPolicy contacts, int role)
        {
            if (role == RoleBlocked)
            {
                return Decision.Denied(DecisionReason.ContactNotAllowed);
            }

            if (role == RoleUnknown && (!contacts.StrangerMessagesAllowed || contacts.Mode != ModeOpen))
            {
                return Decision.Denied(DecisionReason.ContactNotAllowed);
            }

            return Decision.Allowed();
        }

        /// <summary>Whether media may be sent to the number.</summary>
        public static Decision CheckMedia(ContactPolicy contacts, int role, int index)
        {
            if (role == RoleGuardian)
            {
                return Decision.Allowed();
            }

            if (role == RoleUnknown || role == RoleBlocked || contacts.MediaMode == MediaGuardiansOnly)
            {
                return Decision.Denied(DecisionReason.MediaNotAllowed);
            }

            if (contacts.MediaMode == MediaApprovedContacts && !contacts.MediaAllowed[index])
            {
                return Decision.Denied(DecisionReason.MediaNotAllowed);
            }

            return Decision.Allowed();
        }
    }
}
