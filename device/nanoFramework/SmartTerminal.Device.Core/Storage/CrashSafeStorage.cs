using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Device.Core.Storage
{
    /// <summary>
    /// <see cref="IStorage"/> over a plain <see cref="IFileSystem"/> whose rename cannot replace a file
    /// (nanoFramework's <c>File.Move</c> throws when the destination exists). A replace therefore takes
    /// three steps, and a power cut between any two of them is repaired the next time the file is read:
    /// <list type="number">
    /// <item>write <c>name.tmp</c> and flush it (a cut here leaves a torn <c>.tmp</c>: discarded);</item>
    /// <item>rename it to <c>name.new</c>: the commit point, since a rename is atomic on LittleFS;</item>
    /// <item>delete <c>name</c>, then rename <c>name.new</c> to <c>name</c> (a cut between the two leaves
    /// only the complete <c>.new</c>: promoted, never mistaken for a missing file).</item>
    /// </list>
    /// So a reader sees the old content or the new one, never a torn file and never "no file" for a
    /// file that existed. Appended files (<see cref="Append"/>, <see cref="ReadAt"/>,
    /// <see cref="Truncate"/>, <see cref="Length"/>) pass straight through: their readers check CRCs.
    /// </summary>
    public sealed class CrashSafeStorage : IStorage
    {
        /// <summary>Suffix of a file being written; incomplete until renamed.</summary>
        public const string StagingSuffix = ".tmp";

        /// <summary>Suffix of a complete new version waiting to replace the file.</summary>
        public const string CommittedSuffix = ".new";

        private readonly IFileSystem _files;

        /// <summary>Creates the storage over one folder's files.</summary>
        public CrashSafeStorage(IFileSystem files)
        {
            _files = files;
        }

        /// <inheritdoc />
        public byte[] Read(string name)
        {
            Recover(name);
            return _files.Exists(name) ? _files.ReadAll(name) : null;
        }

        /// <inheritdoc />
        public void Write(string name, byte[] data, int count)
        {
            string staging = name + StagingSuffix;
            string committed = name + CommittedSuffix;
            if (_files.Exists(staging))
            {
                _files.Delete(staging);
            }

            // A leftover committed version is superseded by this write.
            if (_files.Exists(committed))
            {
                _files.Delete(committed);
            }

            _files.WriteAll(staging, data, count);
            _files.Move(staging, committed);
            Promote(name, committed);
        }

        /// <inheritdoc />
        public void Delete(string name)
        {
            // The committed version first, so that a cut cannot bring the file back.
            DeleteIfExists(name + CommittedSuffix);
            DeleteIfExists(name);
            DeleteIfExists(name + StagingSuffix);
        }

        /// <inheritdoc />
        public int Length(string name)
        {
            return _files.Length(name);
        }

        /// <inheritdoc />
        public int ReadAt(string name, int position, byte[] buffer, int offset, int count)
        {
            return _files.ReadAt(name, position, buffer, offset, count);
        }

        /// <inheritdoc />
        public void Append(string name, byte[] data, int offset, int count)
        {
            _files.Append(name, data, offset, count);
        }

        /// <inheritdoc />
        public void Truncate(string name, int length)
        {
            _files.Truncate(name, length);
        }

        private void Recover(string name)
        {
            DeleteIfExists(name + StagingSuffix);
            string committed = name + CommittedSuffix;
            if (_files.Exists(committed))
            {
                Promote(name, committed);
            }
        }

        private void Promote(string name, string committed)
        {
            DeleteIfExists(name);
            _files.Move(committed, name);
        }

        private void DeleteIfExists(string name)
        {
            if (_files.Exists(name))
            {
                _files.Delete(name);
            }
        }
    }
}
