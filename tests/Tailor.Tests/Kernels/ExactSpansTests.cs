using Tailor.Kernels;

namespace Tailor.Tests.Kernels;

/// <summary>The engine's own element-wise sum, finiteness check and maximum give TensorPrimitives' results exactly.</summary>
public sealed class ExactSpansTests
{
    [Fact]
    public void Add_finite_check_and_max_equal_TensorPrimitives_on_every_length()
    {
        var failures = ExactSpansSweep.Run();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Spans_of_different_lengths_and_an_empty_maximum_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ExactSpans.AddTo(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => ExactSpans.Max([]));
    }
}
