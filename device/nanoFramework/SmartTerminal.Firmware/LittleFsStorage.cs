using System.IO;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Firmware
{
    /// <summary>The device's files on the internal LittleFS drive I: (power-loss resilient, wear-levelled).</summary>
    internal sealed class LittleFsStorage : IStorage
    {
        private readonly string _folder;

        public LittleFsStorage(string folder)
        {
            _folder = folder;
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        public byte[] Read(string name)
        {
            string path = PathOf(name);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }

        public void Write(string name, byte[] data, int count)
        {
            // Atomic replace: a power cut leaves either the old file or the new one.
            string path = PathOf(name);
            string temporary = path + ".tmp";
            using (FileStream stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            {
                stream.Write(data, 0, count);
                stream.Flush();
            }

            if (File.Exists(path))
            {
                File.Delete(path);
            }

            File.Move(temporary, path);
        }

        public void Delete(string name)
        {
            string path = PathOf(name);
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }

        public int Length(string name)
        {
            string path = PathOf(name);
            if (!File.Exists(path))
            {
                return -1;
            }

            using (FileStream stream = new FileStream(path, FileMode.Open, FileAccess.Read))
            {
                return (int)stream.Length;
            }
        }

        public int ReadAt(string name, int position, byte[] buffer, int offset, int count)
        {
            using (FileStream stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.Read))
            {
                stream.Seek(position, SeekOrigin.Begin);
                int total = 0;
                int read;
                while (total < count && (read = stream.Read(buffer, offset + total, count - total)) > 0)
                {
                    total += read;
                }

                return total;
            }
        }

        public void Append(string name, byte[] data, int offset, int count)
        {
            using (FileStream stream = new FileStream(PathOf(name), FileMode.Append, FileAccess.Write))
            {
                stream.Write(data, offset, count);
                stream.Flush();
            }
        }

        public void Truncate(string name, int length)
        {
            using (FileStream stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.Write))
            {
                stream.SetLength(length);
            }
        }

        private string PathOf(string name)
        {
            return _folder + "\\" + name;
        }
    }
}
