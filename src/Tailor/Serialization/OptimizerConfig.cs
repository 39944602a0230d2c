using System.Text.Json;
using Tailor.Optimizers;

namespace Tailor.Serialization;

/// <summary>Rebuilds an optimizer from the config <see cref="Optimizer.GetConfig"/> wrote.</summary>
public static class OptimizerConfig
{
    public static Optimizer Create(JsonElement element, string path)
    {
        var c = new LayerConfig("optimizer", element, path);
        string name = c.String("name", null) ?? throw c.Error("the optimizer config has no 'name'.");
        // A schedule is written in its place as Keras writes it; the optimizer then starts at the schedule's first rate.
        var schedule = element.TryGetProperty("learning_rate", out var rate) && rate.ValueKind == JsonValueKind.Object ? ScheduleConfig.Create(rate, path) : null;
        float lr = schedule is null ? c.Float("learning_rate") : Math.Max(schedule.Rate(0), float.Epsilon);
        try
        {
            Optimizer optimizer = name switch
            {
                "sgd" => new Sgd(lr, c.Float("momentum", 0), c.Bool("nesterov", false)),
                "rmsprop" => new RmsProp(lr, c.Float("rho", 0.9f), c.Float("epsilon", 1e-7f)),
                "adam" => new Adam(lr, c.Float("beta_1", 0.9f), c.Float("beta_2", 0.999f), c.Float("epsilon", 1e-7f)),
                "adamw" => new AdamW(lr, c.Float("weight_decay", 0.004f), c.Float("beta_1", 0.9f), c.Float("beta_2", 0.999f), c.Float("epsilon", 1e-7f)),
                _ => throw c.Error($"unknown optimizer '{name}'. Known optimizers: {string.Join(", ", Optimizer.Names)}."),
            };
            optimizer.Schedule = schedule;
            if (c.Has("clipnorm")) optimizer.ClipNorm = c.Float("clipnorm");
            if (c.Has("clipvalue")) optimizer.ClipValue = c.Float("clipvalue");
            return optimizer;
        }
        catch (ArgumentException e) { throw c.Error(e.Message); }
    }
}
