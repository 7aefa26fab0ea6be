namespace SmartTerminal.Device.Core.Platform;

/// <summary>
/// Small-file storage (LittleFS on the I: drive on an ESP32). Writes must be atomic per file: the
/// head writes a temporary file and moves it over the old one.
/// </summary>
public interface IStorage
{
    /// <summary>Whole content of a file, or null when it does not exist.</summary>
    byte[] Read(string name);

    /// <summary>Replaces a file with the first <paramref name="count"/> bytes of <paramref name="data"/>.</summary>
    void Write(string name, byte[] data, int count);

    /// <summary>Deletes a file if it exists.</summary>
    void Delete(string name);
}
