using System.Globalization;

namespace SmartTerminal.WebConsole.Guardians.Requests;

/// <summary>
/// The button a guardian pressed on the requests page: "{request id}:yes|no:{minutes}". Anyone can post
/// anything, so whatever else arrives is no choice at all (the service checks the rest).
/// </summary>
public sealed record AnswerChoice(string RequestId, bool Approve, uint Minutes)
{
    private const int MaxLength = 96;

    public static AnswerChoice? Parse(string? value)
    {
        if (value is null || value.Length > MaxLength)
        {
            return null;
        }

        var parts = value.Split(':');
        if (parts.Length != 3 || parts[0].Length is 0 or > 64 || parts[1] is not ("yes" or "no")
            || !uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes > 480)
        {
            return null;
        }

        return new AnswerChoice(parts[0], parts[1] == "yes", minutes);
    }
}
