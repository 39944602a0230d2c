using System.CommandLine;
using System.Globalization;
using Tailor.Cli;
using Tailor.Common;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>
/// Every numeric option of every command has a documented range that the parser enforces: walked by
/// reflection over the command tree, each option must declare one (shown in its help), a value just
/// outside each bound must be refused in one error naming the option while the bound itself passes, and
/// the README's "Option ranges" table must list exactly these options and ranges.
/// </summary>
public sealed class OptionRangeTests
{
    /// <summary>A numeric option and where it is used: the command path ("train", "study gradients"), or "(every command)".</summary>
    public sealed record NumericOption(string Command, string[] Path, Option Option)
    {
        public override string ToString() => $"{Command} {Option.Name}";
    }

    private static readonly HashSet<Type> NumericTypes =
    [
        typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint),
        typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(decimal), typeof(Half),
    ];

    private static bool IsNumeric(Option option) => NumericTypes.Contains(Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType);

    /// <summary>Every numeric option of the tree, once: a recursive option of the root under "(every command)", parsed after a leaf command.</summary>
    public static List<NumericOption> All()
    {
        var root = CliRoot.Create();
        var leaves = new List<(string[] Path, Command Command)>();
        void Walk(Command command, string[] path)
        {
            if (command.Subcommands.Count == 0) leaves.Add((path, command));
            foreach (var sub in command.Subcommands) Walk(sub, [.. path, sub.Name]);
        }
        Walk(root, []);
        var all = new List<NumericOption>();
        var firstLeaf = leaves.First(l => !l.Command.Options.Any(o => o.Required)).Path;
        foreach (var option in root.Options.Where(IsNumeric)) all.Add(new NumericOption("(every command)", firstLeaf, option));
        foreach (var (path, command) in leaves)
            foreach (var option in command.Options.Where(IsNumeric))
                all.Add(new NumericOption(string.Join(' ', path), path, option));
        return all;
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var o in All()) data.Add(o.ToString());
        return data;
    }

    private static NumericOption Find(string name) => All().Single(o => o.ToString() == name);

    [Fact]
    public void The_tree_has_numeric_options_to_check() => Assert.True(All().Count >= 30, $"Only {All().Count} numeric options found.");

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_numeric_option_declares_a_range_shown_in_its_help(string name)
    {
        var o = Find(name);
        var range = Ranges.Of(o.Option);

        Assert.True(range != null, $"{name} has no declared range: give it one with .Within(...).");
        Assert.Contains($"Range: {range.Text}.", o.Option.Description);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_value_just_outside_each_bound_is_refused_naming_the_option_and_the_bound_passes(string name)
    {
        var o = Find(name);
        var range = Ranges.Of(o.Option)!;
        var (belowMin, atMin, atMax, aboveMax) = Probes(range, Nullable.GetUnderlyingType(o.Option.ValueType) ?? o.Option.ValueType);

        foreach (string outside in new[] { belowMin, aboveMax })
        {
            var errors = Parse(o, outside);
            Assert.True(errors.Count == 1, $"{name} {outside}: expected one error, got {errors.Count}: {string.Join(" | ", errors)}");
            Assert.StartsWith($"{o.Option.Name} must be ", errors[0]);
            Assert.Contains(range.Text, errors[0]);
            Assert.EndsWith($"received {outside}.", errors[0]);
        }
        foreach (string inside in new[] { atMin, atMax })
            Assert.True(Parse(o, inside).Count == 0, $"{name} {inside} is inside {range.Text} but was refused: {string.Join(" | ", Parse(o, inside))}");
    }

    [Fact]
    public void The_readme_table_lists_exactly_the_options_and_their_ranges()
    {
        var expected = All().Select(o => Row(o.Command, o.Option.Name, Ranges.Of(o.Option)!.Text)).ToList();
        string readme = File.ReadAllText(Path.Combine(VendoredData.Directory, "..", "..", "README.md"));
        int section = readme.IndexOf("\n## Option ranges\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '## Option ranges' section.");
        var rows = readme[section..].Split('\n').SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|'))
            .Skip(2) // the header and its separator
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim().Trim('`')).ToArray())
            .Select(c => Row(c[0], c[1], c[2])).ToList();

        string table = "| Command | Option | Range |\n|---|---|---|\n" + string.Join("\n", expected.Select(r => $"| {r.Command} | `{r.Option}` | {r.Range} |"));
        Assert.True(expected.Order().SequenceEqual(rows.Order()),
            "The README's 'Option ranges' table differs from the options' declared ranges. Expected (in tree order):\n" + table);
    }

    private static (string Command, string Option, string Range) Row(string command, string option, string range) => (command, option, range);

    /// <summary>The parse errors of the option's command with <paramref name="value"/> for it (and a placeholder for every required option), in the words the CLI prints.</summary>
    private static List<string> Parse(NumericOption o, string value)
    {
        var root = CliRoot.Create();
        Command command = root;
        foreach (string part in o.Path) command = command.Subcommands.Single(c => c.Name == part);
        string[] required = [.. command.Options.Where(x => x.Required).SelectMany(x => new[] { x.Name, "x" })];
        var parsed = root.Parse([.. o.Path, .. required, o.Option.Name, value]);
        return [.. parsed.Errors.Select(Ranges.Describe)];
    }

    /// <summary>A value just below the minimum, the minimum (or the first value above an open one), the same at the maximum, and just above it.</summary>
    private static (string BelowMin, string AtMin, string AtMax, string AboveMax) Probes(ValueRange range, Type type)
    {
        var inv = CultureInfo.InvariantCulture;
        if (range.Whole)
            return ((range.Min - 1).ToString(inv), range.Min.ToString(inv), range.Max.ToString(inv), (range.Max + 1).ToString(inv));
        Assert.True(type == typeof(float) || type == typeof(double), $"A real range on an option of type {type}.");
        if (type == typeof(float))
        {
            float min = (float)range.Min, max = (float)range.Max;
            return ((range.MinExclusive ? min : MathF.BitDecrement(min)).ToString("R", inv), (range.MinExclusive ? MathF.BitIncrement(min) : min).ToString("R", inv),
                (range.MaxExclusive ? MathF.BitDecrement(max) : max).ToString("R", inv), (range.MaxExclusive ? max : MathF.BitIncrement(max)).ToString("R", inv));
        }
        double dmin = (double)range.Min, dmax = (double)range.Max;
        return ((range.MinExclusive ? dmin : Math.BitDecrement(dmin)).ToString("R", inv), (range.MinExclusive ? Math.BitIncrement(dmin) : dmin).ToString("R", inv),
            (range.MaxExclusive ? Math.BitDecrement(dmax) : dmax).ToString("R", inv), (range.MaxExclusive ? dmax : Math.BitIncrement(dmax)).ToString("R", inv));
    }

    [Fact]
    public void Every_bad_value_of_a_real_run_is_one_line_naming_the_option_with_exit_code_2()
    {
        using var temp = new TempDirectory();
        // The examples of the hostile-input issue, through the built command.
        BoundedCli.AssertRefused(BoundedCli.Run(temp.Path, "train", "--batch-size", "2147483647", "--out", temp.File("out")), "--batch-size", "65,536");
        BoundedCli.AssertRefused(BoundedCli.Run(temp.Path, "cv", "--batch-size", "2147483000", "--out", temp.File("out")), "--batch-size");
        var threads = BoundedCli.Run(temp.Path, "--threads", "100000", "data", "info");
        BoundedCli.AssertRefused(threads, "--threads", "1 to 256", "100000");
        Assert.Equal(2, threads.ExitCode);
        BoundedCli.AssertRefused(BoundedCli.Run(temp.Path, "train", "--seed", "-1", "--out", temp.File("out")), "--seed", "received -1");
        Assert.False(Directory.Exists(temp.File("out")));
    }
}
