using Tailor.Layers;
using Tailor.Optimizers;
using Tailor.Optimizers.Schedules;

namespace Tailor.Tests.Optimizers;

public class LearningRateScheduleTests
{
    [Fact]
    public void Exponential_decay_follows_Keras_formula_and_staircase_floors_the_exponent()
    {
        var smooth = new ExponentialDecay(0.1, decaySteps: 10, decayRate: 0.5);
        var stairs = new ExponentialDecay(0.1, decaySteps: 10, decayRate: 0.5, staircase: true);
        foreach (long step in new long[] { 0, 1, 5, 9, 10, 15, 20, 37 })
        {
            Assert.Equal((float)(0.1 * Math.Pow(0.5, step / 10.0)), smooth.Rate(step));
            Assert.Equal((float)(0.1 * Math.Pow(0.5, step / 10)), stairs.Rate(step));
        }
        Assert.Equal(0.05f, smooth.Rate(10));
        Assert.Equal(0.1f, stairs.Rate(9));
        Assert.Equal(0.025f, stairs.Rate(29));
    }

    [Fact]
    public void Piecewise_constant_switches_after_each_boundary()
    {
        // Keras's example: 1.0 up to step 100000 inclusive, 0.5 up to 110000, then 0.1.
        var schedule = new PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1]);
        Assert.Equal([1.0f, 1.0f, 0.5f, 0.5f, 0.1f], new long[] { 0, 100000, 100001, 110000, 110001 }.Select(schedule.Rate));
        Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([5, 3], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([5], [1]));
    }

    [Fact]
    public void Cosine_decay_gives_Keras_values()
    {
        var schedule = new CosineDecay(0.1, decaySteps: 100, alpha: 0.1);
        Assert.Equal(0.1f, schedule.Rate(0));
        Assert.Equal((float)(0.1 * (0.9 * 0.5 + 0.1)), schedule.Rate(50));
        Assert.Equal((float)(0.1 * (0.9 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)) + 0.1)), schedule.Rate(25));
        Assert.Equal(0.01f, schedule.Rate(100), 7);
        Assert.Equal(schedule.Rate(100), schedule.Rate(1000));
    }

    [Fact]
    public void Cosine_warmup_climbs_linearly_to_the_target_then_decays_from_it()
    {
        var schedule = new CosineDecay(0, decaySteps: 100, warmupTarget: 0.2, warmupSteps: 10);
        Assert.Equal(0f, schedule.Rate(0));
        Assert.Equal(0.1f, schedule.Rate(5));
        Assert.Equal(0.2f, schedule.Rate(10));
        Assert.Equal(0.1f, schedule.Rate(60), 7);
        Assert.Equal(0f, schedule.Rate(110), 7);
    }

    [Fact]
    public void One_cycle_gives_PyTorch_OneCycleLR_values()
    {
        // torch 1.13: OneCycleLR(SGD(..., lr=0.1), max_lr=0.01, total_steps=100), the rate in force before step k.
        var schedule = new OneCycle(0.01, totalSteps: 100);
        (long Step, double Rate)[] torch =
        [
            (0, 0.0003999999999999993), (1, 0.00042813780565907275), (15, 0.005459866761210004), (28, 0.009971862194340927),
            (29, 0.01), (30, 0.009994965352845242), (31, 0.009979871550490316), (60, 0.005892800902855287),
            (98, 5.07464715475788e-06), (99, 4e-08),
        ];
        foreach (var (step, rate) in torch) Assert.Equal(rate, schedule.Rate(step), rate * 1e-6);
    }

    [Fact]
    public void The_optimizer_reads_the_schedule_before_every_step()
    {
        var parameter = new Parameter("w", [3]);
        var schedule = new ExponentialDecay(0.1, decaySteps: 1, decayRate: 0.5);
        var sgd = new Sgd(learningRate: 1f) { Schedule = schedule };
        float expected = 0;
        for (int step = 0; step < 5; step++)
        {
            parameter.Gradient.Span.Fill(1);
            sgd.Apply([parameter]);
            expected -= schedule.Rate(step);
            Assert.Equal(schedule.Rate(step), sgd.LearningRate);
            Assert.Equal(expected, parameter.Value.Span[0], 6);
        }
        Assert.Equal("ExponentialDecay", ((Dictionary<string, object?>)sgd.GetConfig()["learning_rate"]!)["class_name"]);
    }

    [Theory]
    [InlineData("step:2,0.5", 19, 0.1)]
    [InlineData("step:2,0.5", 20, 0.05)]
    [InlineData("step", 99, 0.1)]
    [InlineData("step", 100, 0.05)]
    [InlineData("exponential:0.5", 10, 0.05)]
    [InlineData("exponential", 20, 0.081)]
    [InlineData("cosine", 0, 0.1)]
    [InlineData("cosine", 100, 0.05)]
    [InlineData("cosine:2", 10, 0.05)]
    [InlineData("cosine:2", 20, 0.1)]
    [InlineData("one-cycle", 59, 0.1)]
    [InlineData("one-cycle:0.5", 59, 0.5)]
    public void Command_line_schedules_count_in_epochs(string text, long step, double expected)
    {
        // 10 steps per epoch, 20 epochs, learning rate 0.1.
        var schedule = ScheduleSpecification.Parse(text).Create(0.1, stepsPerEpoch: 10, epochs: 20);
        Assert.Equal(expected, schedule.Rate(step), 5);
    }

    [Theory]
    [InlineData("warm", "Unknown learning-rate schedule 'warm'. Valid schedules: step, exponential, cosine, one-cycle.")]
    [InlineData("step:x", "'step' takes numbers, received 'x'")]
    [InlineData("step:1,2,3", "at most 2 argument(s)")]
    [InlineData("step:0", "at least 1")]
    [InlineData("exponential:1.5", "(0, 1]")]
    [InlineData("cosine:20", "fewer than --epochs")]
    [InlineData("one-cycle:-1", "must be positive")]
    public void Bad_schedules_are_clear_errors(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => ScheduleSpecification.Parse(text).Create(0.1, 10, 20));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }
}
