using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Device.Core.Enforcement
{
    /// <summary>How loading the usage state went.</summary>
    public enum StateLoadResult
    {
        /// <summary>No state was ever written (a new device).</summary>
        Fresh = 0,

        /// <summary>The newest slot was valid.</summary>
        Loaded = 1,

        /// <summary>The newest slot was damaged; the previous save was used.</summary>
        RecoveredOlder = 2,

        /// <summary>State files exist but none is valid: the caller must fall back to a safe state.</summary>
        Corrupt = 3,
    }

    /// <summary>
    /// Saves <see cref="UsageState"/> alternately into two files, so that a write torn by power loss
    /// leaves the previous save intact; loading takes the valid slot with the highest generation.
    /// </summary>
    public sealed class UsageStateStore
    {
        /// <summary>File of even generations.</summary>
        public const string SlotA = "usage-a.bin";

        /// <summary>File of odd generations.</summary>
        public const string SlotB = "usage-b.bin";

        private readonly IStorage _storage;
        private readonly byte[] _buffer = new byte[UsageState.SerializedLength];

        /// <summary>Uses the given storage.</summary>
        public UsageStateStore(IStorage storage)
        {
            _storage = storage;
        }

        /// <summary>Bytes written per save.</summary>
        public int BytesPerSave
        {
            get { return UsageState.SerializedLength; }
        }

        /// <summary>Loads the newest valid state (null unless Loaded or RecoveredOlder).</summary>
        public StateLoadResult Load(out UsageState state)
        {
            byte[] a = _storage.Read(SlotA);
            byte[] b = _storage.Read(SlotB);
            UsageState stateA = UsageState.TryRead(a);
            UsageState stateB = UsageState.TryRead(b);
            state = null;
            if (a == null && b == null)
            {
                return StateLoadResult.Fresh;
            }

            if (stateA == null && stateB == null)
            {
                return StateLoadResult.Corrupt;
            }

            if (stateA != null && (stateB == null || stateA.Generation > stateB.Generation))
            {
                state = stateA;
                return NewestSlotWasDamaged(b, stateB, stateA.Generation) ? StateLoadResult.RecoveredOlder : StateLoadResult.Loaded;
            }

            state = stateB;
            return NewestSlotWasDamaged(a, stateA, stateB.Generation) ? StateLoadResult.RecoveredOlder : StateLoadResult.Loaded;
        }

        /// <summary>Saves the next generation into the other slot.</summary>
        public void Save(UsageState state)
        {
            state.Generation++;
            state.WriteTo(_buffer);
            _storage.Write((state.Generation & 1) == 0 ? SlotA : SlotB, _buffer, _buffer.Length);
        }

        // The other slot is the newer one when it exists but cannot be read (its write was torn).
        private static bool NewestSlotWasDamaged(byte[] otherBytes, UsageState other, uint chosenGeneration)
        {
            return otherBytes != null && other == null && chosenGeneration > 0;
        }
    }
}
