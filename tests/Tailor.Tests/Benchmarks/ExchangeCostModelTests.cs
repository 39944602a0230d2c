using Tailor.Benchmarks;

namespace Tailor.Tests.Benchmarks;

public sealed class ExchangeCostModelTests
{
    [Fact]
    public void A_ring_all_gather_costs_p_minus_one_messages_of_one_block()
    {
        var network = new Network("test", 10e-6, 1e9);

        Assert.Equal(0, network.AllGatherSeconds(1, 1e6));
        Assert.Equal(10e-6 + 1e-3, network.AllGatherSeconds(2, 1e6), 12);
        Assert.Equal(7 * (10e-6 + 1e-3), network.AllGatherSeconds(8, 1e6), 12);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Fitting_exact_all_gathers_recovers_latency_and_bandwidth(int processes)
    {
        var truth = new Network("truth", 20e-6, 5e9);
        var measured = new[] { 1e5, 2e5, 4e5, 1.6e6 }.Select(m => (m, truth.AllGatherSeconds(processes, m))).ToList();

        var fitted = Network.Fit("fitted", processes, measured);

        Assert.Equal(truth.LatencySeconds, fitted.LatencySeconds, 9);
        Assert.Equal(truth.BytesPerSecond / 1e9, fitted.BytesPerSecond / 1e9, 6);
    }

    [Fact]
    public void A_fit_on_noise_that_points_below_zero_latency_gives_zero()
    {
        var fitted = Network.Fit("noisy", 2, [(1e5, 1e-5), (2e5, 2.2e-5), (4e5, 4.6e-5)]);
        Assert.Equal(0, fitted.LatencySeconds);
        Assert.Throws<ArgumentOutOfRangeException>(() => Network.Fit("one", 1, [(1, 1), (2, 2)]));
        Assert.Throws<ArgumentException>(() => Network.Fit("short", 2, [(1, 1)]));
    }

    [Fact]
    public void The_speed_up_is_p_times_the_work_over_the_step_with_its_exchange()
    {
        // 10 ms compute, 1 ms update, 0.1 ms to add a record, 1 MB records on 1 GB/s and 10 µs.
        var cost = new StepCostModel(10e-3, 0.1e-3, 1e-3, 1e6);
        var network = new Network("test", 10e-6, 1e9);

        double step4 = 10e-3 + 4 * 0.1e-3 + 1e-3 + 3 * (10e-6 + 1e-3);
        Assert.Equal(step4, cost.StepSeconds(4, network), 12);
        Assert.Equal(4 * 11e-3 / step4, cost.SpeedUp(4, network), 9);
        // A free network leaves only the combine: nearly linear.
        Assert.True(cost.SpeedUp(64, new Network("free", 0, double.PositiveInfinity)) > 64 * 11e-3 / (11e-3 + 64 * 0.1e-3) - 1e-9);
        // The exchange grows with P: the speed-up never passes (compute + update) / (combine + one hop).
        var slow = new Network("slow", 1e-3, 1e9);
        double ceiling = 11e-3 / (0.1e-3 + 1e-3 + 1e6 / 1e9);
        Assert.InRange(cost.SpeedUp(64, slow), cost.SpeedUp(8, slow), ceiling);
    }
}
