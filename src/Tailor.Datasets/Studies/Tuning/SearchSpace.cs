using System.Text;
using System.Text.Json;
using Tailor.Common;

namespace Tailor.Studies.Tuning;

/// <summary>
/// The hyperparameters a search may vary, read from a JSON object such as
/// <c>{"activation": ["relu", "elu"], "learning_rate": {"log_uniform": [0.0003, 0.003]}, "kernel_size": [3, 5]}</c>.
/// Each key of <see cref="SearchParameter.All"/> takes a list of values or, for numbers, a uniform or
/// log-uniform range; keys left out keep the notebook's CNN-with-dropout value.
/// </summary>
public sealed class SearchSpace
{
    private readonly List<(SearchParameter Parameter, SearchDomain Domain)> _domains;

    public SearchSpace(IEnumerable<(SearchParameter Parameter, SearchDomain Domain)> domains, ConvNetConfig? baseConfig = null)
    {
        ArgumentNullException.ThrowIfNull(domains);
        // The fixed order of SearchParameter.All, so a seed gives the same trials whatever the file's key order.
        _domains = [.. domains.OrderBy(d => IndexOf(d.Parameter))];
        BaseConfig = baseConfig ?? ConvNetConfig.NotebookCnnWithDropout;
    }

    /// <summary>The values of the keys the space leaves out.</summary>
    public ConvNetConfig BaseConfig { get; }

    public IReadOnlyList<(SearchParameter Parameter, SearchDomain Domain)> Domains => _domains;

    private static int IndexOf(SearchParameter parameter)
    {
        for (int i = 0; i < SearchParameter.All.Count; i++) if (SearchParameter.All[i] == parameter) return i;
        throw new ArgumentException($"'{parameter.Key}' is not one of the search parameters.");
    }

    /// <summary>The largest search space file read; a space of every parameter with long value lists is a few kilobytes.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>
    /// Reads <paramref name="path"/>, which must be a regular file of at most <see cref="MaxFileBytes"/>; every
    /// problem is a <see cref="SearchSpaceException"/> naming the file.
    /// </summary>
    public static SearchSpace Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes;
        try { bytes = InputFile.ReadAllBytes(path, "a search space file", MaxFileBytes); }
        catch (InputFileException e) { throw new SearchSpaceException(e.Message, e); }
        return Parse(bytes, path);
    }

    public static SearchSpace Parse(string json, string file = "space.json") => Parse(Encoding.UTF8.GetBytes(json), file);

    public static SearchSpace Parse(byte[] utf8Json, string file = "space.json")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            // LineNumber and BytePositionInLine count from 0; editors count from 1.
            long line = (e.LineNumber ?? 0) + 1, column = (e.BytePositionInLine ?? 0) + 1;
            throw new SearchSpaceException($"{file}: malformed JSON at line {line}, column {column}: {Reason(e.Message)}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SearchSpaceException($"{file}: expected a JSON object of hyperparameters, e.g. {{\"activation\": [\"relu\", \"elu\"]}}, received a JSON {Describe(root.ValueKind)}.");
            var domains = new List<(SearchParameter, SearchDomain)>();
            var seen = new HashSet<string>();
            foreach (var property in root.EnumerateObject())
            {
                var parameter = SearchParameter.Find(property.Name) ?? throw new SearchSpaceException(
                    $"{file}: unknown key '{property.Name}'. Valid keys: {string.Join(", ", SearchParameter.All.Select(p => p.Key))}.");
                if (!seen.Add(property.Name)) throw new SearchSpaceException($"{file}: key '{property.Name}' appears twice.");
                domains.Add((parameter, ReadDomain(parameter, property.Value, file)));
            }
            return new SearchSpace(domains);
        }
    }

    private static SearchDomain ReadDomain(SearchParameter parameter, JsonElement value, string file)
    {
        string key = parameter.Key;
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                var values = value.EnumerateArray().Select(v => parameter.ReadValue(v, file)).ToList();
                if (values.Count == 0) throw new SearchSpaceException($"{file}: '{key}' lists no values; give at least one ({parameter.Expected}).");
                var distinct = values.Distinct().ToList();
                if (distinct.Count != values.Count) throw new SearchSpaceException($"{file}: '{key}' lists a value twice: {value.GetRawText()}.");
                return new ChoiceDomain(values);
            case JsonValueKind.Object when parameter.AcceptsRange:
                var properties = value.EnumerateObject().ToList();
                bool known = properties.Count == 1 && properties[0].Name is RangeDomain.UniformKey or RangeDomain.LogUniformKey;
                if (!known || properties[0].Value.ValueKind != JsonValueKind.Array || properties[0].Value.GetArrayLength() != 2)
                    throw new SearchSpaceException(
                        $"{file}: '{key}' expects a list of values or one range, {{\"{RangeDomain.UniformKey}\": [low, high]}} or {{\"{RangeDomain.LogUniformKey}\": [low, high]}}; received {value.GetRawText()}.");
                bool log = properties[0].Name == RangeDomain.LogUniformKey;
                var bounds = properties[0].Value.EnumerateArray().Select(b => parameter.ReadNumber(b, file)).ToArray();
                if (!(bounds[0] < bounds[1]))
                    throw new SearchSpaceException($"{file}: '{key}' range needs low < high, received [{bounds[0]}, {bounds[1]}].");
                if (log && !(bounds[0] > 0))
                    throw new SearchSpaceException($"{file}: '{key}' {RangeDomain.LogUniformKey} range needs a positive low, received {bounds[0]}; use \"{RangeDomain.UniformKey}\" or a list to include 0.");
                return new RangeDomain(bounds[0], bounds[1], log);
            default:
                string ranges = parameter.AcceptsRange ? $", or a range {{\"{RangeDomain.LogUniformKey}\": [low, high]}}" : "";
                throw new SearchSpaceException($"{file}: '{key}' expects a list of values ({parameter.Expected}){ranges}; received {value.GetRawText()}.");
        }
    }

    private static string Describe(JsonValueKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The parser's explanation without its position suffix ("... Path: $ | LineNumber: 2 | BytePositionInLine: 4."), which the message gives 1-based instead.</summary>
    private static string Reason(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).Trim();
    }

    /// <summary>The most combinations grid search walks through (those that do not fit 28x28 images included).</summary>
    public const long MaxGridSize = 100_000;

    /// <summary>The number of combinations grid search enumerates, exact however many; throws when a key has a range instead of a list.</summary>
    public System.Numerics.BigInteger GridSize
    {
        get
        {
            System.Numerics.BigInteger size = 1;
            foreach (var (parameter, domain) in _domains) size *= Choices(parameter, domain).Count;
            return size;
        }
    }

    /// <summary>Every combination of the listed values, the last key varying fastest, configurations that do not fit 28x28 images left out.</summary>
    public IEnumerable<ConvNetConfig> Grid()
    {
        var lists = _domains.Select(d => (d.Parameter, Values: Choices(d.Parameter, d.Domain))).ToArray();
        var index = new int[lists.Length];
        while (true)
        {
            var config = BaseConfig;
            for (int i = 0; i < lists.Length; i++) config = lists[i].Parameter.Apply(config, lists[i].Values[index[i]]);
            if (config.WhyItDoesNotFit() is null) yield return config;
            int k = lists.Length - 1;
            while (k >= 0 && ++index[k] == lists[k].Values.Count) index[k--] = 0;
            if (k < 0) yield break;
        }
    }

    /// <summary>One configuration drawn with <paramref name="rng"/>, key after key in the fixed order.</summary>
    public ConvNetConfig Sample(Common.Rng rng)
    {
        var config = BaseConfig;
        foreach (var (parameter, domain) in _domains) config = parameter.Apply(config, domain.Sample(rng));
        return config;
    }

    private static IReadOnlyList<object> Choices(SearchParameter parameter, SearchDomain domain) => domain switch
    {
        ChoiceDomain choices => choices.Values,
        _ => throw new ArgumentException(
            $"Grid search needs a list of values for '{parameter.Key}', received the range {domain.Describe()}; use --strategy random, or list the values."),
    };
}
