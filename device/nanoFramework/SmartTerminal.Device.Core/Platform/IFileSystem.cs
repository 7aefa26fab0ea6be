namespace SmartTerminal.Device.Core.Platform
{
    /// <summary>
    /// The plain file operations of one folder on the device's flash, as the head's file system offers
    /// them (LittleFS on the ESP32's I: drive). Names are file names inside that folder. Nothing here is
    /// atomic across calls: <see cref="SmartTerminal.Device.Core.Storage.CrashSafeStorage"/> builds the
    /// power-cut-safe replace on top of it.
    /// </summary>
    public interface IFileSystem
    {
        /// <summary>Whether the file exists.</summary>
        bool Exists(string name);

        /// <summary>Whole content of an existing file.</summary>
        byte[] ReadAll(string name);

        /// <summary>Creates (or truncates) the file, writes the first <paramref name="count"/> bytes and flushes them.</summary>
        void WriteAll(string name, byte[] data, int count);

        /// <summary>Deletes an existing file.</summary>
        void Delete(string name);

        /// <summary>
        /// Renames a file. Like nanoFramework's <c>File.Move</c>, it throws when <paramref name="to"/>
        /// exists, so it cannot replace a file; on LittleFS the rename itself is atomic.
        /// </summary>
        void Move(string from, string to);

        /// <summary>Bytes in a file, or -1 when it does not exist.</summary>
        int Length(string name);

        /// <summary>Reads up to count bytes from position into buffer; returns how many were read.</summary>
        int ReadAt(string name, int position, byte[] buffer, int offset, int count);

        /// <summary>Appends bytes to a file (creating it) and flushes them.</summary>
        void Append(string name, byte[] data, int offset, int count);

        /// <summary>Cuts a file to the given length.</summary>
        void Truncate(string name, int length);
    }
}
