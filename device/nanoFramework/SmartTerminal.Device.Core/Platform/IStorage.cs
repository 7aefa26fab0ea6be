namespace SmartTerminal.Device.Core.Platform
{
    /// <summary>
    /// File storage (LittleFS on the I: drive on an ESP32, which survives power loss at any point).
    /// <see cref="Write"/> and <see cref="Read"/> replace and read whole files atomically: a reader
    /// sees the old content or the new, never a torn file (<see cref="Storage.CrashSafeStorage"/>
    /// provides that over the head's plain file system). <see cref="Append"/> may be cut short by
    /// power loss; the readers of appended files check CRCs.
    /// </summary>
    public interface IStorage
    {
        /// <summary>Whole content of a file, or null when it does not exist.</summary>
        byte[] Read(string name);

        /// <summary>Replaces a file with the first <paramref name="count"/> bytes of <paramref name="data"/>.</summary>
        void Write(string name, byte[] data, int count);

        /// <summary>Deletes a file if it exists.</summary>
        void Delete(string name);

        /// <summary>Bytes in a file, or -1 when it does not exist.</summary>
        int Length(string name);

        /// <summary>Reads up to count bytes from position into buffer; returns how many were read.</summary>
        int ReadAt(string name, int position, byte[] buffer, int offset, int count);

        /// <summary>Appends bytes to a file (creating it) and flushes them to the medium.</summary>
        void Append(string name, byte[] data, int offset, int count);

        /// <summary>Cuts a file to the given length (drops a torn tail after power loss).</summary>
        void Truncate(string name, int length);
    }
}
