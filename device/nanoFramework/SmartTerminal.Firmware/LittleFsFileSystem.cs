using System.IO;
using SmartTerminal.Device.Core.Platform;

namespace SmartTerminal.Firmware
{
    /// <summary>
    /// One folder of the internal LittleFS drive I:. Only plain file operations: the crash-safe replace
    /// is the core's <see cref="SmartTerminal.Device.Core.Storage.CrashSafeStorage"/>, because
    /// nanoFramework's File.Move refuses to move onto an existing file.
    /// </summary>
    internal sealed class LittleFsFileSystem : IFileSystem
    {
        private readonly string _folder;

        public LittleFsFileSystem(string folder)
        {
            _folder = folder;
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        public bool Exists(string name)
        {
            return File.Exists(PathOf(name));
        }

        public byte[] ReadAll(string name)
        {
            return File.ReadAllBytes(PathOf(name));
        }

        public void WriteAll(string name, byte[] data, int count)
        {
            using (FileStream stream = new FileStream(PathOf(name), FileMode.Create, FileAccess.Write))
            {
                stream.Write(data, 0, count);
                stream.Flush();
            }
        }

        public void Delete(string name)
        {
            File.Delete(PathOf(name));
        }

        public void Move(string from, string to)
        {
            File.Move(PathOf(from), PathOf(to));
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
