using Tailor.Common;

namespace Tailor.Tests.Cli;

public sealed class ErrorTextTests
{
    [Theory]
    [InlineData("plain name.png", "plain name.png", "plain name.png")]
    [InlineData("shoe\nfake: Bag 100.0%", "shoe\\nfake: Bag 100.0%", "shoe\\nfake: Bag 100.0%")]
    [InlineData("a\r\tb\u001bc\u2028d", "a\\r\\tb\\u001bc\\u2028d", "a\\r\\tb\\u001bc\\u2028d")]
    [InlineData("back\\slash\n", "back\\slash\\n", "back\\\\slash\\n")]
    public void Control_characters_become_escapes_and_a_name_doubles_its_backslashes(string text, string oneLine, string name)
    {
        Assert.Equal(oneLine, ErrorText.OneLine(text));
        Assert.Equal(name, ErrorText.Name(text));
        Assert.DoesNotContain('\n', ErrorText.Name(text));
    }
}
