using System.Text.RegularExpressions;
using Tailor.Tests.Data;

namespace Tailor.Tests.Architecture;

/// <summary>
/// Dependencies point one way: between the packages (Tailor &lt;- Onnx, Vision, Plots &lt;- Datasets &lt;- Cli,
/// held by the project references) and between the folders of the engine, whose namespaces may not
/// reach each other in a cycle. A folder depends on another when its code names it (a using directive,
/// or a name qualified by it such as Layers.Layer); comments do not count.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static string EngineFolder => Path.GetFullPath(Path.Combine(VendoredData.Directory, "..", "..", "src", "Tailor"));

    [Fact]
    public void The_engine_folders_depend_on_each_other_without_a_cycle()
    {
        var folders = Directory.GetDirectories(EngineFolder).Select(Path.GetFileName).Where(n => n is not ("bin" or "obj")).Select(n => n!).ToList();
        Assert.Contains("Layers", folders);
        var dependencies = folders.ToDictionary(f => f, f => References(Path.Combine(EngineFolder, f), folders));

        var cycles = new List<string>();
        foreach (var (from, targets) in dependencies)
            foreach (string to in targets)
                if (PathBetween(dependencies, to, from) is { } back) cycles.Add($"{from} -> {string.Join(" -> ", back)}");

        Assert.True(cycles.Count == 0, "Cycles between the engine's folders:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void The_check_finds_a_cycle_when_there_is_one()
    {
        var dependencies = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"] };
        Assert.Equal(["B", "C", "A"], PathBetween(dependencies, "B", "A"));
        Assert.Null(PathBetween(new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = [] }, "B", "A"));
    }

    /// <summary>The folders named by the code under <paramref name="folder"/>, itself excluded.</summary>
    private static HashSet<string> References(string folder, List<string> folders)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        string own = System.IO.Path.GetFileName(folder);
        var qualified = new Regex(@"(?<![\w.])(?:Tailor\.)?(" + string.Join("|", folders) + @")\.[A-Z]");
        foreach (string file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            string code = Comment().Replace(File.ReadAllText(file), "");
            foreach (Match m in UsingDirective().Matches(code)) found.Add(m.Groups[1].Value);
            foreach (Match m in qualified.Matches(code)) found.Add(m.Groups[1].Value);
        }
        found.IntersectWith(folders);
        found.Remove(own);
        return found;
    }

    /// <summary>A path of dependencies from <paramref name="start"/> to <paramref name="target"/>, or null.</summary>
    private static List<string>? PathBetween(IReadOnlyDictionary<string, HashSet<string>> dependencies, string start, string target)
    {
        var previous = new Dictionary<string, string?> { [start] = null };
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            string at = queue.Dequeue();
            if (at == target)
            {
                var path = new List<string>();
                for (string? step = at; step != null; step = previous[step]) path.Insert(0, step);
                return path;
            }
            foreach (string next in dependencies.GetValueOrDefault(at) ?? [])
                if (previous.TryAdd(next, at)) queue.Enqueue(next);
        }
        return null;
    }

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"^\s*using\s+(?:static\s+)?Tailor\.([A-Z]\w*)", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();
}
