using System.Runtime.CompilerServices;
using System.Globalization;

namespace Tailor.Optimizers.Schedules;

/// <summary>
/// A schedule named as on the command line, with arguments in epochs: "step:10,0.5",
/// "exponential:0.9", "cosine:2", "one-cycle:0.01". Turned into a per-step schedule once the
/// steps per epoch are known.
/// </summary>
public sealed record ScheduleSpecification(string Name, IReadOnlyList<double> Arguments)
{
    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>
    {
        ["step"] = "step[:EPOCHS[,FACTOR]]: multiply the rate by FACTOR every EPOCHS epochs (default 10, 0.5)",
        ["exponential"] = "exponential[:RATE]: multiply the rate by RATE per epoch, smoothly per step (default 0.9)",
        ["cosine"] = "cosine[:WARMUP]: linear warmup from 0 over WARMUP epochs (default 0), then cosine decay to 0 at the last epoch",
        ["one-cycle"] = "one-cycle[:MAX_LR]: up to MAX_LR (default: the learning rate) over 30% of the steps, then down",
    };

    private static readonly Dictionary<string, int> MaxArguments = new() { ["step"] = 2, ["exponential"] = 1, ["cosine"] = 1, ["one-cycle"] = 1 };

    /// <summary>Reads "NAME[:ARG[,ARG]]"; an unknown name or a malformed argument throws, listing the valid forms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ScheduleSpecification Parse(string text)
    {
        string valid = $"Valid schedules: {string.Join(", ", Names.Keys)}.";
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException($"A learning-rate schedule needs a name. {valid}");
        int colon = text.IndexOf(':');
        string name = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant();
        if (!Names.ContainsKey(name)) throw new ArgumentException($"Unknown learning-rate schedule '{name}'. {valid}");
        var arguments = new List<double>();
        if (colon >= 0)
        {
            foreach (string part in text[(colon + 1)..].Split(','))
            {
                if (!double.TryParse(part.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                    throw new ArgumentException($"Learning-rate schedule '{name}' takes numbers, received '{part.Trim()}'. Form: {Names[name]}.");
                arguments.Add(v);
            }
        }
        if (arguments.Count > MaxArguments[name])
            throw new ArgumentException($"Learning-rate schedule '{name}' takes at most {MaxArguments[name]} argument(s), received {arguments.Count}. Form: {Names[name]}.");
        return new ScheduleSpecification(name, arguments);
    }

    /// <summary>The per-step schedule for a run of <paramref name="epochs"/> epochs of <paramref name="stepsPerEpoch"/> steps starting at <paramref name="learningRate"/>.</summary>
    public LearningRateSchedule Create(double learningRate, int stepsPerEpoch, int epochs)
    {
        double Arg(int i, double fallback) => i < Arguments.Count ? Arguments[i] : fallback;
        long total = (long)stepsPerEpoch * epochs;
        try
        {
            switch (Name)
            {
                case "step":
                {
                    double every = Arg(0, 10);
                    if (every != Math.Floor(every) || every < 1) throw new ArgumentException($"the epochs between steps must be a whole number of at least 1, received {every}.");
                    double factor = Arg(1, 0.5);
                    if (!(factor > 0 && factor <= 1)) throw new ArgumentException($"the factor must be in (0, 1], received {factor}.");
                    return new ExponentialDecay(learningRate, (long)every * stepsPerEpoch, factor, staircase: true);
                }
                case "exponential":
                {
                    double rate = Arg(0, 0.9);
                    if (!(rate > 0 && rate <= 1)) throw new ArgumentException($"the rate per epoch must be in (0, 1], received {rate}.");
                    return new ExponentialDecay(learningRate, stepsPerEpoch, rate);
                }
                case "cosine":
                {
                    double warmup = Arg(0, 0);
                    if (warmup != Math.Floor(warmup) || warmup < 0 || warmup >= epochs)
                        throw new ArgumentException($"the warmup must be a whole number of epochs from 0 to {epochs - 1} (fewer than --epochs), received {warmup}.");
                    long warmupSteps = (long)warmup * stepsPerEpoch;
                    return warmupSteps == 0
                        ? new CosineDecay(learningRate, total)
                        : new CosineDecay(0, total - warmupSteps, warmupTarget: learningRate, warmupSteps: warmupSteps);
                }
                default:
                {
                    double max = Arg(0, learningRate);
                    if (!(max > 0)) throw new ArgumentException($"the maximum learning rate must be positive, received {max}.");
                    return new OneCycle(max, total);
                }
            }
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Learning-rate schedule '{Name}': {Tailor.Common.ErrorText.Of(e)} Form: {Names[Name]}.");
        }
    }

    public override string ToString() =>
        Arguments.Count == 0 ? Name : $"{Name}:{string.Join(",", Arguments.Select(a => a.ToString(CultureInfo.InvariantCulture)))}";
}
