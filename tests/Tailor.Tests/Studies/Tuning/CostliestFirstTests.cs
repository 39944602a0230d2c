using Tailor.Kernels;
using Tailor.Studies.Tuning;

namespace Tailor.Tests.Studies.Tuning;

public sealed class CostliestFirstTests
{
    [Fact]
    public void Trials_go_out_by_training_flops_the_largest_first_and_ties_keep_the_plan_order()
    {
        ConvNetConfig[] configs =
        [
            new() { Filters = 16, ConvLayers = 2 },
            new() { Filters = 32, KernelSize = 5, Padding = Padding.Same },
            new() { Filters = 16, ConvLayers = 2 },
            new() { Filters = 32 },
        ];

        var order = Tuner.CostliestFirst([0, 1, 2, 3], u => configs[u]);

        Assert.Equal([1, 3, 0, 2], order);
    }
}
