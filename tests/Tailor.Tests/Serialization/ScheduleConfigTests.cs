using System.Text.Json;
using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Optimizers.Schedules;
using Tailor.Serialization;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>
/// A model compiled with a learning-rate schedule (what `tailor train --lr-schedule` saves) loads back with the same
/// schedule; a damaged schedule is refused naming it.
/// </summary>
public sealed class ScheduleConfigTests
{
    public static TheoryData<string> Schedules() => ["cosine", "cosine-warmup", "exponential", "one-cycle", "piecewise"];

    private static LearningRateSchedule Create(string name) => name switch
    {
        "cosine" => new CosineDecay(0.05, 120, alpha: 0.1),
        "cosine-warmup" => new CosineDecay(0, 100, warmupTarget: 0.1, warmupSteps: 20),
        "exponential" => new ExponentialDecay(0.01, 10, 0.5, staircase: true),
        "one-cycle" => new OneCycle(0.2, 90, pctStart: 0.25),
        _ => new PiecewiseConstantDecay([10, 40], [0.1, 0.01, 0.001]),
    };

    private static Sequential Model(LearningRateSchedule schedule)
    {
        var model = new Sequential([new Dense(3, Activation.Softmax)], seed: 1);
        model.Compile(new Sgd(0.01f, 0.9f, nesterov: true) { Schedule = schedule }, new CategoricalCrossentropy());
        model.Build(4);
        return model;
    }

    [Theory]
    [MemberData(nameof(Schedules))]
    public void A_saved_schedule_loads_back_giving_the_same_rates(string name)
    {
        using var temp = new TempDirectory();
        var schedule = Create(name);
        string path = temp.File("m.safetensors");
        Model(schedule).Save(path);

        var loaded = Tailor.Models.Model.Load(path).Optimizer!;
        Assert.NotNull(loaded.Schedule);
        Assert.Equal(JsonSerializer.Serialize(schedule.GetConfig()), JsonSerializer.Serialize(loaded.Schedule!.GetConfig()));
        for (long step = 0; step <= 130; step++) Assert.Equal(schedule.Rate(step), loaded.Schedule.Rate(step));
    }

    [Fact]
    public void A_damaged_schedule_is_refused_naming_it()
    {
        using var temp = new TempDirectory();
        string path = temp.File("m.safetensors");
        var (tensors, metadata) = Tailor.Serialization.ModelFile.Describe(Model(new CosineDecay(0.05, 120)), includeOptimizer: true);
        Assert.Contains("\"decay_steps\":120", metadata[Tailor.Serialization.ModelFile.CompileKey]);
        metadata[Tailor.Serialization.ModelFile.CompileKey] = metadata[Tailor.Serialization.ModelFile.CompileKey].Replace("\"decay_steps\":120", "\"decay_steps\":-3");
        using (var stream = File.Create(path)) Tailor.Serialization.SafeTensors.Write(stream, tensors, metadata);

        var e = Assert.Throws<Tailor.Serialization.ModelFormatException>(() => Tailor.Models.Model.Load(path));
        Assert.Contains("learning-rate schedule 'CosineDecay'", e.Message);
        Assert.Contains("decay_steps", e.Message);
    }
}
