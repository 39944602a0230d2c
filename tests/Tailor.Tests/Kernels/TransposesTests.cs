using Tailor.Kernels;

namespace Tailor.Tests.Kernels;

/// <summary>The blocked transpose against its definition, on odd sizes and strides, under each instruction set.</summary>
[Collection(GlobalSwitches.Name)]
public sealed class TransposesTests
{
    [Fact]
    public unsafe void Every_value_lands_at_its_transposed_place_and_nothing_else_is_written()
    {
        var rng = new Random(7);
        var failures = new List<string>();
        var saved = KernelIsa.Active;
        try
        {
            foreach (var isa in Enum.GetValues<Isa>().Where(i => i <= KernelIsa.Detected))
            {
                KernelIsa.Active = isa;
                foreach (var (rows, columns) in new[] { (1, 1), (7, 9), (8, 8), (9, 7), (16, 24), (17, 33), (64, 576), (576, 64), (63, 65) })
                foreach (int pad in new[] { 0, 3 })
                {
                    int lds = columns + pad, ldd = rows + pad;
                    var src = new float[rows * lds];
                    for (int i = 0; i < src.Length; i++) src[i] = (float)rng.NextDouble();
                    var dst = Enumerable.Repeat(float.NaN, columns * ldd).ToArray();
                    fixed (float* s = src, d = dst) Transposes.Transpose(s, rows, columns, lds, d, ldd);
                    for (int j = 0; j < columns; j++)
                    for (int i = 0; i < ldd; i++)
                    {
                        float actual = dst[j * ldd + i];
                        bool ok = i < rows ? BitConverter.SingleToInt32Bits(actual) == BitConverter.SingleToInt32Bits(src[i * lds + j]) : float.IsNaN(actual);
                        if (!ok) failures.Add($"{isa} {rows} x {columns} pad {pad}: dst[{j}, {i}] = {actual}");
                    }
                }
            }
        }
        finally { KernelIsa.Active = saved; }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }
}
