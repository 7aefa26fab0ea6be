namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>What the running activity should do after an accounting tick.</summary>
    public enum AccountingAction
    {
        /// <summary>Nothing to show.</summary>
        None = 0,

        /// <summary>Show a warning: MinutesLeft until a limit.</summary>
        Warn = 1,

        /// <summary>Remind the child to rest (continuous-use reminder).</summary>
        RestReminder = 2,

        /// <summary>Stop the activity now; Reason says why.</summary>
        Stop = 3,
    }

    /// <summary>Result of <see cref="PolicyEngine.Tick"/>, returned by value.</summary>
    public struct AccountingResult
    {
        /// <summary>What to do.</summary>
        public AccountingAction Action;

        /// <summary>Why a stop happened.</summary>
        public DecisionReason Reason;

        /// <summary>Minutes left for a warning.</summary>
        public int MinutesLeft;
    }
}
