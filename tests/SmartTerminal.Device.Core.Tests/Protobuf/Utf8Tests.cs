using System.Text;
using CsCheck;
using SmartTerminal.Device.Core.Protobuf;

namespace SmartTerminal.Device.Core.Tests.Protobuf;

public sealed class Utf8Tests
{
    [Theory]
    [InlineData("")]
    [InlineData("plain ascii")]
    [InlineData("未成年人模式")]
    [InlineData("emoji 😀 and 𝄞")]
    [InlineData("ß é ü ©")]
    public void Encoding_matches_the_framework_and_decodes_back(string text)
    {
        var expected = Encoding.UTF8.GetBytes(text);
        var buffer = new byte[Utf8.GetByteCount(text)];

        Assert.Equal(expected.Length, Utf8.GetBytes(text, buffer, 0));
        Assert.Equal(expected, buffer);
        Assert.True(Utf8.TryDecode(buffer, 0, buffer.Length, out var decoded));
        Assert.Equal(text, decoded);
    }

    [Fact]
    public void Any_valid_string_round_trips_like_the_framework()
    {
        Gen.String.Where(s => s.EnumerateRunes().All(_ => true) && !HasLoneSurrogate(s)).Sample(text =>
        {
            var expected = Encoding.UTF8.GetBytes(text);
            var buffer = new byte[Utf8.GetByteCount(text)];
            Utf8.GetBytes(text, buffer, 0);
            Assert.Equal(expected, buffer);
            Assert.True(Utf8.TryDecode(buffer, 0, buffer.Length, out var decoded));
            Assert.Equal(text, decoded);
        }, iter: 5_000);
    }

    [Fact]
    public void Lone_surrogates_are_written_as_replacement_characters_like_the_framework()
    {
        var text = "a\uD800b";
        var buffer = new byte[Utf8.GetByteCount(text)];
        Utf8.GetBytes(text, buffer, 0);

        Assert.Equal(Encoding.UTF8.GetBytes(text), buffer);
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1])))
            {
                return true;
            }

            if (char.IsLowSurrogate(s[i]) && (i == 0 || !char.IsHighSurrogate(s[i - 1])))
            {
                return true;
            }
        }

        return false;
    }
}
