using Tailor.Kernels;

namespace Tailor.Tests.Kernels;

public sealed class ChannelRowsTests
{
    /// <summary>Each pass gives the scalar reference's and the former row-wise calls' bits (each ISA through Tailor.KernelCheck).</summary>
    [Fact]
    public void Every_pass_equals_the_scalar_reference_and_the_row_wise_calls_bit_for_bit()
    {
        var failures = ChannelRowsSweep.Run();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Buffers_too_small_for_the_rows_or_the_channels_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ChannelRows.Sum(new float[11], 4, 0, 3, new float[4]));
        Assert.Throws<ArgumentException>(() => ChannelRows.Sum(new float[12], 4, 0, 3, new float[3]));
        Assert.Throws<ArgumentException>(() => ChannelRows.ScaleShift(new float[12], 4, 0, 3, default, new float[4], new float[4], new float[11]));
        Assert.Throws<ArgumentException>(() => ChannelRows.InputGradient(new float[12], new float[12], 4, 0, 3,
            new float[4], new float[4], new float[4], new float[3], new float[4], new float[12]));
    }
}
