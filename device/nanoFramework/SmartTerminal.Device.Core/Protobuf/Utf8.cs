namespace SmartTerminal.Device.Core.Protobuf
{
    /// <summary>
    /// Strict UTF-8 conversion. nanoFramework's mscorlib has no System.Text.Encoding, so the core
    /// carries its own: overlong forms, surrogates and code points above U+10FFFF are rejected.
    /// </summary>
    public static class Utf8
    {
        /// <summary>Number of UTF-8 bytes needed for <paramref name="value"/> (unpaired surrogates count as U+FFFD).</summary>
        public static int GetByteCount(string value)
        {
            int count = 0;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c < 0x80)
                {
                    count += 1;
                }
                else if (c < 0x800)
                {
                    count += 2;
                }
                else if (IsHighSurrogate(c) && i + 1 < value.Length && IsLowSurrogate(value[i + 1]))
                {
                    count += 4;
                    i++;
                }
                else
                {
                    count += 3;
                }
            }

            return count;
        }

        /// <summary>Encodes <paramref name="value"/> into <paramref name="buffer"/> at <paramref name="offset"/>; returns bytes written.</summary>
        public static int GetBytes(string value, byte[] buffer, int offset)
        {
            int start = offset;
            for (int i = 0; i < value.Length; i++)
            {
                int c = value[i];
                if (c < 0x80)
                {
                    buffer[offset++] = (byte)c;
                    continue;
                }

                if (c < 0x800)
                {
                    buffer[offset++] = (byte)(0xC0 | (c >> 6));
                    buffer[offset++] = (byte)(0x80 | (c & 0x3F));
                    continue;
                }

                if (IsHighSurrogate((char)c) && i + 1 < value.Length && IsLowSurrogate(value[i + 1]))
                {
                    int codePoint = 0x10000 + ((c - 0xD800) << 10) + (value[i + 1] - 0xDC00);
                    i++;
                    buffer[offset++] = (byte)(0xF0 | (codePoint >> 18));
                    buffer[offset++] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
                    buffer[offset++] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                    buffer[offset++] = (byte)(0x80 | (codePoint & 0x3F));
                    continue;
                }

                if (IsHighSurrogate((char)c) || IsLowSurrogate((char)c))
                {
                    c = 0xFFFD;
                }

                buffer[offset++] = (byte)(0xE0 | (c >> 12));
                buffer[offset++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                buffer[offset++] = (byte)(0x80 | (c & 0x3F));
            }

            return offset - start;
        }

        /// <summary>Decodes <paramref name="count"/> bytes; returns false (and null) on any invalid sequence.</summary>
        public static bool TryDecode(byte[] buffer, int offset, int count, out string value)
        {
            value = null;
            if (count == 0)
            {
                value = string.Empty;
                return true;
            }

            // A UTF-8 sequence never yields more UTF-16 units than it has bytes.
            char[] chars = new char[count];
            int length = 0;
            int end = offset + count;
            int i = offset;
            while (i < end)
            {
                int b0 = buffer[i];
                if (b0 < 0x80)
                {
                    chars[length++] = (char)b0;
                    i++;
                    continue;
                }

                int needed;
                int codePoint;
                int minimum;
                if ((b0 & 0xE0) == 0xC0)
                {
                    needed = 1;
                    codePoint = b0 & 0x1F;
                    minimum = 0x80;
                }
                else if ((b0 & 0xF0) == 0xE0)
                {
                    needed = 2;
                    codePoint = b0 & 0x0F;
                    minimum = 0x800;
                }
                else if ((b0 & 0xF8) == 0xF0)
                {
                    needed = 3;
                    codePoint = b0 & 0x07;
                    minimum = 0x10000;
                }
                else
                {
                    return false;
                }

                if (end - i - 1 < needed)
                {
                    return false;
                }

                for (int k = 1; k <= needed; k++)
                {
                    int next = buffer[i + k];
                    if ((next & 0xC0) != 0x80)
                    {
                        return false;
                    }

                    codePoint = (codePoint << 6) | (next & 0x3F);
                }

                if (codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
                {
                    return false;
                }

                if (codePoint >= 0x10000)
                {
                    codePoint -= 0x10000;
                    chars[length++] = (char)(0xD800 + (codePoint >> 10));
                    chars[length++] = (char)(0xDC00 + (codePoint & 0x3FF));
                }
                else
                {
                    chars[length++] = (char)codePoint;
                }

                i += needed + 1;
            }

            value = new string(chars, 0, length);
            return true;
        }

        private static bool IsHighSurrogate(char c)
        {
            return c >= 0xD800 && c <= 0xDBFF;
        }

        private static bool IsLowSurrogate(char c)
        {
            return c >= 0xDC00 && c <= 0xDFFF;
        }
    }
}
