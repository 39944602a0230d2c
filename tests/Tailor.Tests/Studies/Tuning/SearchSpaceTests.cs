using Tailor.Kernels;
using Tailor.Studies.Tuning;

namespace Tailor.Tests.Studies.Tuning;

public sealed class SearchSpaceTests
{
    private const string Valid = """
        // comments are allowed
        {
          "conv_layers": [2, 3],
          "kernel_size": [3, 5],
          "padding": ["valid", "same"],
          "activation": ["relu", "ELU", "gelu"],
          "optimizer": ["adam", "rmsprop"],
          "learning_rate": {"log_uniform": [0.0003, 0.003]},
          "dropout": {"uniform": [0, 0.5]},
          "l2": [0, 0.0001],
          "batch_size": [64, 128]
        }
        """;

    [Fact]
    public void A_valid_space_reads_lists_and_ranges_and_keeps_the_notebook_values_of_keys_left_out()
    {
        var space = SearchSpace.Parse(Valid);

        Assert.Equal(["conv_layers", "kernel_size", "padding", "activation", "dropout", "l2", "optimizer", "learning_rate", "batch_size"],
            space.Domains.Select(d => d.Parameter.Key));
        var activation = Assert.IsType<ChoiceDomain>(space.Domains.Single(d => d.Parameter.Key == "activation").Domain);
        Assert.Equal(["relu", "elu", "gelu"], activation.Values);
        Assert.Equal(new RangeDomain(0.0003, 0.003, Logarithmic: true), space.Domains.Single(d => d.Parameter.Key == "learning_rate").Domain);
        Assert.Equal(new RangeDomain(0, 0.5, Logarithmic: false), space.Domains.Single(d => d.Parameter.Key == "dropout").Domain);
        Assert.Equal(ConvNetConfig.NotebookCnnWithDropout, space.BaseConfig);
    }

    [Fact]
    public void Malformed_json_names_the_file_line_and_column()
    {
        // The missing comma after the first list: the parser stops at the next key, line 3, column 3.
        const string json = "{\n  \"conv_layers\": [2, 3]\n  \"padding\": [\"same\"]\n}";

        var e = Assert.Throws<SearchSpaceException>(() => SearchSpace.Parse(json, "my-space.json"));

        Assert.StartsWith("my-space.json: malformed JSON at line 3, column 3:", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Fact]
    public void A_truncated_file_names_the_line_and_column_where_it_ends()
    {
        var e = Assert.Throws<SearchSpaceException>(() => SearchSpace.Parse("{\"activation\": [\"relu\",", "s.json"));

        Assert.Contains("s.json: malformed JSON at line 1, column ", e.Message);
    }

    [Fact]
    public void An_unknown_activation_names_the_key_the_value_and_the_valid_values()
    {
        var e = Assert.Throws<SearchSpaceException>(() => SearchSpace.Parse("""{"activation": ["relu", "swish"]}""", "space.json"));

        Assert.Contains("space.json", e.Message);
        Assert.Contains("'activation'", e.Message);
        Assert.Contains("\"swish\"", e.Message);
        foreach (string valid in new[] { "relu", "elu", "tanh", "gelu", "leaky_relu" }) Assert.Contains(valid, e.Message);
        Assert.DoesNotContain("softmax", e.Message);
    }

    [Fact]
    public void An_unknown_key_names_it_and_the_valid_keys()
    {
        var e = Assert.Throws<SearchSpaceException>(() => SearchSpace.Parse("""{"activations": ["relu"]}"""));

        Assert.Contains("'activations'", e.Message);
        foreach (var p in SearchParameter.All) Assert.Contains(p.Key, e.Message);
    }

    [Theory]
    [InlineData("""{"optimizer": ["adagrad"]}""", "'optimizer'", "adamw")]
    [InlineData("""{"padding": ["full"]}""", "'padding'", "same")]
    [InlineData("""{"kernel_size": [3, 9]}""", "'kernel_size'", "[1, 7]")]
    [InlineData("""{"conv_layers": [2.5]}""", "'conv_layers'", "integer")]
    [InlineData("""{"dropout": [1.0]}""", "'dropout'", "[0, 1)")]
    [InlineData("""{"batch_size": []}""", "'batch_size'", "at least one")]
    [InlineData("""{"batch_size": 64}""", "'batch_size'", "list")]
    [InlineData("""{"activation": {"uniform": [0, 1]}}""", "'activation'", "list")]
    [InlineData("""{"learning_rate": {"log_uniform": [0.01, 0.001]}}""", "'learning_rate'", "low < high")]
    [InlineData("""{"l2": {"log_uniform": [0, 0.001]}}""", "'l2'", "positive low")]
    [InlineData("""{"learning_rate": {"normal": [0.001, 0.01]}}""", "'learning_rate'", "log_uniform")]
    [InlineData("""{"l2": [0.001, 0.001]}""", "'l2'", "twice")]
    [InlineData("""[1, 2]""", "JSON object", "array")]
    public void A_value_the_key_does_not_accept_names_the_key_and_what_it_accepts(string json, string key, string expected)
    {
        var e = Assert.Throws<SearchSpaceException>(() => SearchSpace.Parse(json, "space.json"));

        Assert.StartsWith("space.json: ", e.Message);
        Assert.Contains(key, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_missing_file_names_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-space-" + Guid.NewGuid().ToString("N") + ".json");

        var e = Assert.Throws<SearchSpaceException>(() => SearchSpace.Load(path));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Grid_search_enumerates_every_combination_that_fits_28x28_images()
    {
        var space = SearchSpace.Parse("""
            {"conv_layers": [2, 3], "kernel_size": [3, 5], "padding": ["valid", "same"], "activation": ["relu", "tanh"], "batch_size": [32, 64, 128]}
            """);

        Assert.Equal(2 * 2 * 2 * 2 * 3, space.GridSize);
        var grid = space.Grid().ToList();
        // Three valid 5x5 convolutions shrink 28x28 to nothing (28-24-12-8-4 < 5): those 2 x 3 combinations are left out.
        Assert.Equal(48 - 6, grid.Count);
        Assert.Equal(grid.Count, grid.Distinct().Count());
        Assert.DoesNotContain(grid, c => c is { ConvLayers: 3, KernelSize: 5, Padding: Padding.Valid });
        Assert.Equal(42, SearchStrategies.Plan(space, SearchStrategy.Grid, null, seed: 1).Count);
        Assert.Equal(10, SearchStrategies.Plan(space, SearchStrategy.Grid, 10, seed: 1).Count);
    }

    [Fact]
    public void Grid_search_refuses_a_range()
    {
        var space = SearchSpace.Parse("""{"learning_rate": {"log_uniform": [0.0003, 0.003]}}""");

        var e = Assert.Throws<ArgumentException>(() => SearchStrategies.Plan(space, SearchStrategy.Grid, null, seed: 1));

        Assert.Contains("learning_rate", e.Message);
        Assert.Contains("--strategy random", e.Message);
    }

    [Fact]
    public void Random_search_is_the_same_for_a_seed_whatever_the_key_order_and_differs_for_another_seed()
    {
        var space = SearchSpace.Parse(Valid);
        var reordered = SearchSpace.Parse("""
            {"batch_size": [64, 128], "l2": [0, 0.0001], "dropout": {"uniform": [0, 0.5]},
             "learning_rate": {"log_uniform": [0.0003, 0.003]}, "optimizer": ["adam", "rmsprop"],
             "activation": ["relu", "elu", "gelu"], "padding": ["valid", "same"], "kernel_size": [3, 5], "conv_layers": [2, 3]}
            """);

        var a = SearchStrategies.Plan(space, SearchStrategy.Random, 12, seed: 3);
        var b = SearchStrategies.Plan(reordered, SearchStrategy.Random, 12, seed: 3);
        var c = SearchStrategies.Plan(space, SearchStrategy.Random, 12, seed: 4);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(12, a.Distinct().Count());
        foreach (var config in a)
        {
            Assert.Null(config.WhyItDoesNotFit());
            Assert.InRange(config.LearningRate, 0.0003f, 0.003f);
            Assert.InRange(config.Dropout, 0f, 0.5f);
            Assert.Contains(config.Activation, new[] { Activation.Relu, Activation.Elu, Activation.Gelu });
            Assert.Equal(32, config.Filters);
        }
    }

    [Fact]
    public void Random_search_stops_at_the_distinct_configurations_a_small_space_holds()
    {
        var space = SearchSpace.Parse("""{"activation": ["relu", "tanh"], "batch_size": [32, 64]}""");

        var plan = SearchStrategies.Plan(space, SearchStrategy.Random, 12, seed: 1);

        Assert.Equal(4, plan.Count);
        Assert.Equal(4, plan.Distinct().Count());
    }
}
