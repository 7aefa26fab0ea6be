using SmartTerminal.WebConsole.Guardians.Requests;

namespace SmartTerminal.Console.Tests;

public sealed class AnswerChoiceTests
{
    [Theory]
    [InlineData("rq-0123456789abcdef:yes:30", "rq-0123456789abcdef", true, 30u)]
    [InlineData("rq-0123456789abcdef:no:0", "rq-0123456789abcdef", false, 0u)]
    public void A_button_value_names_the_request_the_answer_and_the_minutes(string value, string id, bool approve, uint minutes) =>
        Assert.Equal(new AnswerChoice(id, approve, minutes), AnswerChoice.Parse(value));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("rq-1:maybe:30")]
    [InlineData("rq-1:yes:481")]
    [InlineData("rq-1:yes:-5")]
    [InlineData("rq-1:yes:３０")]
    [InlineData("rq-1:yes")]
    [InlineData(":yes:30")]
    [InlineData("rq-1:yes:30:extra")]
    public void Anything_else_is_no_choice(string? value) => Assert.Null(AnswerChoice.Parse(value));

    [Fact]
    public void A_huge_post_is_no_choice() => Assert.Null(AnswerChoice.Parse(new string('a', 10_000) + ":yes:30"));
}
