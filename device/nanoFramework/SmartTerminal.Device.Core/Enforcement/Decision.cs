namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>The outcome of a decision call.</summary>
    public enum DecisionKind
    {
        /// <summary>Allowed.</summary>
        Allow = 0,

        /// <summary>Allowed, with minutes left to show.</summary>
        AllowWithWarning = 1,

        /// <summary>Denied; the reason says why.</summary>
        Deny = 2,

        /// <summary>Needs the guardian's approval (new contact, purchase above a cap, a permission).</summary>
        NeedsGuardian = 3,
    }

    /// <summary>A decision: allocation-free, returned by value.</summary>
    public struct Decision
    {
        /// <summary>Allow, warn, deny or ask the guardian.</summary>
        public DecisionKind Kind;

        /// <summary>Why (None when allowed).</summary>
        public DecisionReason Reason;

        /// <summary>Minutes left of the tightest limit (meaningful with <see cref="DecisionKind.AllowWithWarning"/>).</summary>
        public int MinutesLeft;

        /// <summary>True for Allow and AllowWithWarning.</summary>
        public bool IsAllowed
        {
            get { return Kind == DecisionKind.Allow || Kind == DecisionKind.AllowWithWarning; }
        }

        /// <summary>An unconditional allow.</summary>
        public static Decision Allowed()
        {
            Decision d = new Decision();
            d.Kind = DecisionKind.Allow;
            d.MinutesLeft = int.MaxValue;
            return d;
        }

        /// <summary>An allow that carries the minutes left (with a warning when at or under a threshold).</summary>
        public static Decision AllowedWithMinutes(int minutesLeft, bool warn)
        {
            Decision d = new Decision();
            d.Kind = warn ? DecisionKind.AllowWithWarning : DecisionKind.Allow;
            d.MinutesLeft = minutesLeft;
            return d;
        }

        /// <summary>A denial.</summary>
        public static Decision Denied(DecisionReason reason)
        {
            Decision d = new Decision();
            d.Kind = DecisionKind.Deny;
            d.Reason = reason;
            return d;
        }

        /// <summary>A request for guardian approval.</summary>
        public static Decision AskGuardian(DecisionReason reason)
        {
            Decision d = new Decision();
            d.Kind = DecisionKind.NeedsGuardian;
            d.Reason = reason;
            return d;
        }
    }
}
