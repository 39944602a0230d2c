namespace Tailor.Tests.Fuzz;

/// <summary>
/// Inputs that once made a parser throw an undocumented exception, allocate gigabytes or hang, kept in
/// corpus/PARSER/ (model, checkpoint, idx, options); each must now end in success or the parser's
/// documented exception.
/// </summary>
public sealed class CorpusRegressionTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        string root = Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus");
        foreach (string folder in Directory.GetDirectories(root).Order())
            foreach (string file in Directory.GetFiles(folder).Order())
                data.Add(Path.GetFileName(folder), Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Once_failing_input_now_ends_in_the_documented_exception(string parser, string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", parser, file));
        Action<byte[]> parse = parser switch
        {
            "model" => Parsers.Model,
            "checkpoint" => Parsers.Checkpoint,
            "idx" => Parsers.Idx,
            "options" => Parsers.Options,
            _ => throw new ArgumentException($"corpus/{parser} names no parser"),
        };
        var run = Task.Run(() => Parsers.Check(parser, parse, bytes));
        Assert.True(run.Wait(TimeSpan.FromSeconds(30)), $"corpus/{parser}/{file} did not finish in 30 s");
    }
}
