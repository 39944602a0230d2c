using Tailor.Benchmarks;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;

namespace Tailor.Tests.Benchmarks;

public class RooflineTests
{
    private static Layer LayerOf(NotebookModel kind, string name) =>
        NotebookModels.Create(kind, seed: 1).Layers.Single(l => l.Name == name);

    [Fact]
    public void The_second_convolution_costs_its_multiply_adds_in_each_step_and_moves_its_tensors_once()
    {
        var conv = (Conv2D)LayerOf(NotebookModel.Cnn, "conv2d_1");
        // (13, 13, 32) -> (11, 11, 64), 3 x 3 kernel: 121 x 64 x 288 multiply-adds per image.
        double flops = 64 * 2.0 * 121 * 64 * 288;
        double input = 64 * 13 * 13 * 32, output = 64 * 11 * 11 * 64, weights = 18_496;
        Assert.Equal(new StepCost(flops, 4 * (input + weights + output)), LayerRoofline.Cost(conv, LayerStep.Forward, 64, firstLayer: false));
        Assert.Equal(new StepCost(flops, 4 * (input + 2 * output + weights)), LayerRoofline.Cost(conv, LayerStep.WeightGradient, 64, firstLayer: false));
        Assert.Equal(new StepCost(flops, 4 * (output + weights + input)), LayerRoofline.Cost(conv, LayerStep.InputGradient, 64, firstLayer: false));
    }

    [Fact]
    public void A_first_layer_has_no_input_gradient_and_a_layer_without_weights_no_weight_gradient()
    {
        var first = LayerOf(NotebookModel.Cnn, "conv2d");
        var pool = LayerOf(NotebookModel.Cnn, "max_pooling2d");
        Assert.Null(LayerRoofline.Cost(first, LayerStep.InputGradient, 64, firstLayer: true));
        Assert.NotNull(LayerRoofline.Cost(first, LayerStep.WeightGradient, 64, firstLayer: true));
        Assert.Null(LayerRoofline.Cost(pool, LayerStep.WeightGradient, 64, firstLayer: false));
    }

    [Fact]
    public void Pooling_moves_its_argmax_dropout_its_mask_and_a_flatten_nothing()
    {
        var pool = (MaxPooling2D)LayerOf(NotebookModel.Cnn, "max_pooling2d");
        double input = 2 * 26 * 26 * 32, output = 2 * 13 * 13 * 32;
        Assert.Equal(new StepCost(input, 4 * (input + 2 * output)), LayerRoofline.Cost(pool, LayerStep.Forward, 2, false));
        Assert.Equal(new StepCost(0, 4 * (2 * output + input)), LayerRoofline.Cost(pool, LayerStep.InputGradient, 2, false));

        var dropout = LayerOf(NotebookModel.CnnDropout, "dropout");
        Assert.IsType<Dropout>(dropout);
        Assert.Equal(new StepCost(2 * 576, 4 * 3 * 2 * 576), LayerRoofline.Cost(dropout, LayerStep.Forward, 2, false));

        var flatten = LayerOf(NotebookModel.Cnn, "flatten");
        Assert.IsType<Flatten>(flatten);
        Assert.Equal(new StepCost(0, 0), LayerRoofline.Cost(flatten, LayerStep.Forward, 64, false));
        Assert.Equal(RooflineBound.None, LayerRoofline.Bound(0, 0, 200, 40));
    }

    [Fact]
    public void The_dense_layers_match_the_flop_counter_and_read_the_output_for_a_relu_but_not_for_linear()
    {
        var dense = (Dense)LayerOf(NotebookModel.Dense, "dense");
        var cost = LayerRoofline.Cost(dense, LayerStep.WeightGradient, 128, firstLayer: true)!.Value;
        Assert.Equal(128 * FlopCounter.Forward(dense), cost.Flops);
        Assert.Equal(4.0 * (128 * 784 + 2 * 128 * 128 + 100_480), cost.Bytes);

        var linear = new Dense(3);
        linear.Build([5], new Tailor.Common.Rng(1));
        Assert.Equal(4.0 * (2 * 5 + 2 * 3 + 18), LayerRoofline.Cost(linear, LayerStep.WeightGradient, 2, false)!.Value.Bytes);
    }

    [Theory]
    [InlineData(100, 10, 200, 40, "compute")] // 10 FLOP/byte, ridge 5
    [InlineData(50, 10, 200, 40, "compute")]  // exactly at the ridge
    [InlineData(40, 10, 200, 40, "memory")]
    [InlineData(1, 0, 200, 40, "compute")]
    [InlineData(0, 8, 200, 40, "memory")]
    public void A_step_is_compute_bound_from_the_ridge_point_up(double flops, double bytes, double peak, double bandwidth, string expected) =>
        Assert.Equal(expected, LayerRoofline.Bound(flops, bytes, peak, bandwidth).ToString().ToLowerInvariant());

    [Fact]
    public void The_roof_share_is_the_rooflines_least_time_over_the_measured_time()
    {
        // 2 GFLOP at 200 GFLOP/s is 10 ms; 0.1 GB at 40 GB/s is 2.5 ms: the roof allows 10 ms, the step took 20.
        Assert.Equal(0.5, LayerRoofline.RoofShare(2e9, 1e8, 0.020, 200, 40), 12);
        // Memory-bound: 1 GB at 40 GB/s is 25 ms.
        Assert.Equal(0.25, LayerRoofline.RoofShare(1e6, 1e9, 0.100, 200, 40), 12);
        Assert.True(double.IsNaN(LayerRoofline.RoofShare(1, 1, 0, 200, 40)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerRoofline.Bound(1, 1, 0, 40));
    }

    [Fact]
    public void A_report_gives_each_step_its_rates_bound_and_shares_in_its_json()
    {
        var steps = new[]
        {
            new LayerStepFigures("conv2d_1", "Conv2D", LayerStep.Forward, 2e9, 1e8, 0.020),
            new LayerStepFigures("flatten", "Flatten", LayerStep.InputGradient, 0, 0, 0.000),
        };
        var report = new LayerRooflineReport("cnn", 64, 0.040, steps, 200, 40, 21);
        var json = report.ToJson();
        Assert.Equal(["model", "batch_size", "repeats", "train_step_s", "layer_steps_s", "other_s", "fma_peak_gflops", "memory_bandwidth_gbs", "steps"], json.Keys);
        Assert.Equal(0.020, (double)json["other_s"]!, 12);
        var rows = (List<Dictionary<string, object?>>)json["steps"]!;
        var conv = rows[0];
        Assert.Equal("forward", conv["step"]);
        Assert.Equal("compute", conv["bound"]);
        Assert.Equal(100.0, (double)conv["gflops"]!, 9);
        Assert.Equal(5.0, (double)conv["gbs"]!, 9);
        Assert.Equal(20.0, (double)conv["flops_per_byte"]!, 9);
        Assert.Equal(0.5, (double)conv["peak_share"]!, 9);
        Assert.Equal(0.5, (double)conv["share_of_step"]!, 9);
        Assert.Equal(0.5, (double)conv["roof_share"]!, 9);
        var view = rows[1];
        Assert.Equal("input gradient", view["step"]);
        Assert.Equal("none", view["bound"]);
        Assert.Null(view["gflops"]);
        Assert.Null(view["roof_share"]);
    }
}
