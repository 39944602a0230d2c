using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tailor.Threading;

namespace Tailor.Kernels;

/// <summary>
/// A convolution's two gradient products when its output gradient dz (rows x filters) is mostly exact zeros, as
/// behind a 2 x 2 max pooling and a ReLU (a window passes its gradient to one of its four cells: the CNN's second
/// convolution keeps 17-18% of dz): the input gradient, dz kernel^T folded back into the images as
/// <see cref="Im2Col.Fold(in ConvGeometry, ReadOnlySpan{float}, Span{float})"/> does, and the kernel gradient
/// P^T dz with the patches P read in place (<see cref="PatchOffsets"/>). Each sums only the terms whose dz is not
/// zero and gives <see cref="Gemm"/>'s bits: each output sums the same products in the same order, in the same
/// blocks of <see cref="Gemm.Kc"/> and k chunks, and a skipped term 0 x v is a zero that would have left the sum as
/// it was. That needs the other operand finite (0 x inf is NaN): the caller checks the kernel, this class the input.
/// Which path computes a product never changes its bits, so each task may choose by its own share of non-zeros.
/// </summary>
internal sealed unsafe class ZeroSkippingConvolution
{
    /// <summary>
    /// Above this share of non-zero dz the dense product is faster: a skipping walk loads a vector for every
    /// multiply-add, where the dense micro-kernel reuses each load for several, and on Zen 4 the loads bound it. The
    /// CNN's third convolution (66% non-zero, behind a ReLU alone) took a training step from 4.3 to 4.5 ms skipping.
    /// </summary>
    public const double MaxDensity = 0.4;

    private const int WordsPerBlock = Gemm.Kc / 64;
    private const int Vector = 16;
    /// <summary>Block tasks of the kernel gradient a thread: enough to share uneven blocks, few enough that each holds most of its chunks.</summary>
    private const int BlockTasksPerThread = 2;
    /// <summary>Filters a task of the kernel gradient's combine.</summary>
    private const int FiltersPerCombine = 8;
    /// <summary>A walk keeps up to 3 runs of up to 8 vectors in registers: 24 of the 32.</summary>
    private const int MaxVectorsPerRun = 8, MaxRunsPerWalk = 3;

    private ulong[] _rowBits = [];
    private ulong[] _columnBits = [];
    private float[] _chunkSums = [];
    private float[] _sums = [];
    private float[] _blockSums = [];
    private WalkPlan[] _rowWalks = [];
    private int _rowWalkCount;
    /// <summary>The patch length, kernel rows and image row stride (or -1, for patch rows written side by side) of the planned row walks.</summary>
    private (int, int, int) _rowWalkKey = (-1, -1, -1);
    private readonly KernelGradientJob _job;

    public ZeroSkippingConvolution() => _job = new KernelGradientJob(this);

    /// <summary>Whether this machine has the kernels and a patch of <paramref name="patch"/> values suits them (whole vectors).</summary>
    public static bool Supports(int patch, int filters) => KernelIsa.Active == Isa.Avx512 && patch > 0 && patch % Vector == 0 && filters > 0;

    /// <summary>
    /// The input gradient of <paramref name="samples"/> samples: for each patch row in order, dz's row times
    /// kernelT (filters x patch, finite), summed over the row's non-zero dz, then folded into its sample's image
    /// gradient (overwritten). False, with nothing written, where dz holds more than <see cref="MaxDensity"/> non-zeros
    /// or the product would not sum each row in one block of terms; <paramref name="row"/> holds a patch row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryInputGradient(in ConvGeometry g, int samples, ReadOnlySpan<float> dz, int filters, ReadOnlySpan<float> kernelT,
        Span<float> row, Span<float> images)
    {
        int patch = g.PatchLength, positions = g.OutputPositions, rows = samples * positions;
        if (!Supports(patch, filters) || filters > Gemm.Kc) return false;
        if (dz.Length < (long)rows * filters || kernelT.Length < (long)filters * patch || row.Length < patch || images.Length < (long)samples * g.InputLength)
            throw new ArgumentException($"ZeroSkippingConvolution.TryInputGradient needs dz {rows} x {filters}, a kernel {filters} x {patch}, a row of {patch} and {samples} images of {g.InputLength}; received {dz.Length}, {kernelT.Length}, {row.Length} and {images.Length} values.");
        int words = (filters + 63) / 64;
        if (_rowBits.Length < rows * words) _rowBits = new ulong[rows * words];
        // Where every window lies inside the image, a walk adds its sums straight to the image gradient, a kernel row
        // (a run of the patch) to a row of the image; elsewhere it writes the patch row, which Im2Col then folds.
        bool direct = PatchOffsets.InPlace(g, 1) && g.DilationWidth == 1 && g.KernelWidth * g.Channels % Vector == 0;
        PlanRowWalks(g, direct);
        var kernelRows = new GemmMicroKernels.Strided(patch);
        fixed (float* pdz = dz, pk = kernelT, prow = row, pimages = images)
        fixed (ulong* bits = _rowBits)
        fixed (WalkPlan* walks = _rowWalks)
        {
            if (NonZeroBits.MarkRows(pdz, rows, filters, bits) > MaxDensity * rows * filters) return false;
            for (int s = 0; s < samples; s++)
            {
                float* image = pimages + (long)s * g.InputLength;
                new Span<float>(image, g.InputLength).Clear();
                for (int oh = 0, r = s * positions; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++, r++)
                {
                    ulong* mask = bits + (long)r * words;
                    float* x = pdz + (long)r * filters;
                    float* output = direct ? image + (long)(oh * g.StrideHeight * g.Width + ow * g.StrideWidth) * g.Channels : prow;
                    for (int w = 0; w < _rowWalkCount; w++)
                        Walk(mask, 0, words, x, 1, kernelRows, pk, walks[w], output, add: direct);
                    if (!direct) Im2Col.FoldRow(g, oh, ow, prow, image);
                }
            }
        }
        return true;
    }

    /// <summary>
    /// The walks of the input gradient's patch rows: a run per kernel row, added to the image gradient where its window
    /// starts (<paramref name="direct"/>), or one run of the whole patch row, written side by side.
    /// </summary>
    private void PlanRowWalks(in ConvGeometry g, bool direct)
    {
        int patch = g.PatchLength, runs = direct ? g.KernelHeight : 1, runLength = patch / runs;
        var key = (patch, runs, direct ? g.Width * g.Channels * g.DilationHeight : -1);
        if (_rowWalkKey == key) return;
        Span<int> columns = stackalloc int[runs + 1], outputs = stackalloc int[runs];
        for (int run = 0; run < runs; run++)
        {
            columns[run] = run * runLength;
            outputs[run] = direct ? run * g.DilationHeight * g.Width * g.Channels : columns[run];
        }
        columns[runs] = patch;
        if (_rowWalks.Length < patch / Vector + 1) _rowWalks = new WalkPlan[patch / Vector + 1];
        // A kernel row of the patch lies side by side in the kernel's row too.
        _rowWalkCount = Plan(columns, columns[..runs], outputs, _rowWalks);
        _rowWalkKey = key;
    }

    /// <summary>
    /// dw = P^T dz (dw: patch x filters, overwritten), P[r, q] = input[rowOffsets[r] + colOffsets[q]], with Gemm's k
    /// chunks for a product of that shape. False, with nothing written, where dz holds more than
    /// <see cref="MaxDensity"/> non-zeros, the input is not finite, or a run of patch columns side by side in the input
    /// is not whole vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryKernelGradient(ReadOnlySpan<float> input, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> colOffsets,
        ReadOnlySpan<float> dz, int filters, Span<float> dw)
    {
        int rows = rowOffsets.Length, patch = colOffsets.Length;
        if (!Supports(patch, filters) || rows == 0 || !_job.PlanWalks(colOffsets)) return false;
        if (dz.Length < (long)rows * filters || dw.Length < (long)patch * filters)
            throw new ArgumentException($"ZeroSkippingConvolution.TryKernelGradient needs dz {rows} x {filters} and dw {patch} x {filters}; received {dz.Length} and {dw.Length} values.");
        int rowWords = (rows + 63) / 64, filterWords = (filters + 63) / 64;
        if (_rowBits.Length < rows * filterWords) _rowBits = new ulong[rows * filterWords];
        if (_columnBits.Length < filters * rowWords) _columnBits = new ulong[filters * rowWords];
        if (_sums.Length < filters * patch) _sums = new float[filters * patch];
        fixed (float* pin = input, pdz = dz)
        fixed (int* pr = rowOffsets)
        {
            _job.Prepare(pin, input.Length, pr, pdz, rows, patch, filters);
            if (!_job.Survey()) return false;
            _job.Multiply();
        }
        Transposes.Transpose(_sums.AsSpan(0, filters * patch), filters, patch, dw);
        return true;
    }

    /// <summary>
    /// One walk of a mask: <see cref="Runs"/> runs of <see cref="Vectors"/> vectors. Run s of B's row lies at Offset +
    /// s RunStride from the row's start; its sums go to Output + s OutputStride.
    /// </summary>
    private readonly record struct WalkPlan(int Offset, int Output, int Vectors, int Runs, int RunStride, int OutputStride);

    /// <summary>
    /// Plans the walks over runs of columns that lie side by side (run i: columns [columns[i], columns[i + 1]), whole
    /// vectors, at offsets[i] in B's row and outputs[i] in the output): each run cut into pieces of at most 8 vectors
    /// as equal as may be, and up to 3 pieces one after another, of one size and equally far apart in both, walked together.
    /// </summary>
    private static int Plan(ReadOnlySpan<int> columns, ReadOnlySpan<int> offsets, ReadOnlySpan<int> outputs, Span<WalkPlan> walks)
    {
        int count = 0;
        WalkPlan open = default;
        for (int run = 0; run < offsets.Length; run++)
        {
            int vectors = (columns[run + 1] - columns[run]) / Vector, pieces = (vectors + MaxVectorsPerRun - 1) / MaxVectorsPerRun;
            for (int piece = 0, first = 0; piece < pieces; piece++)
            {
                int last = vectors * (piece + 1) / pieces, size = last - first;
                int offset = offsets[run] + first * Vector, output = outputs[run] + first * Vector;
                first = last;
                // Joins the open walk when it has room, pieces of this size, and this piece follows at its strides.
                if (open.Runs > 0 && open.Runs < MaxRunsPerWalk && open.Vectors == size
                    && (open.Runs == 1 || (offset - open.Offset == open.Runs * open.RunStride && output - open.Output == open.Runs * open.OutputStride)))
                {
                    open = open.Runs == 1
                        ? open with { Runs = 2, RunStride = offset - open.Offset, OutputStride = output - open.Output }
                        : open with { Runs = open.Runs + 1 };
                    continue;
                }
                if (open.Runs > 0) walks[count++] = open;
                open = new WalkPlan(offset, output, size, 1, 0, 0);
            }
        }
        if (open.Runs > 0) walks[count++] = open;
        return count;
    }

    /// <summary>
    /// One walk of <paramref name="plan"/> over the words [w0, w1) of a mask: for each of its output columns j, the sum
    /// from zero, in order, over the set bits p of x[p * stride] times B's value in column j of row p, where row p starts
    /// at b + rows.At(p); stored at its place from <paramref name="output"/>, or added to the value there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Walk<TRows>(ulong* mask, int w0, int w1, float* x, int stride, TRows rows, float* b, in WalkPlan plan, float* output, bool add)
        where TRows : struct, GemmMicroKernels.IOffsets
    {
        switch (plan.Vectors)
        {
            case 1: Walk<TRows, Count1>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
            case 2: Walk<TRows, Count2>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
            case 3: Walk<TRows, Count3>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
            case 4: Walk<TRows, Count4>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
            case 5: Walk<TRows, Count5>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
            case 6: Walk<TRows, Count6>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
            case 7: Walk<TRows, Count7>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
            case 8: Walk<TRows, Count8>(mask, w0, w1, x, stride, rows, b + plan.Offset, plan.RunStride, plan.Runs, output + plan.Output, plan.OutputStride, add); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Walk<TRows, TVectors>(ulong* mask, int w0, int w1, float* x, int stride, TRows rows, float* b, int runStride, int runs,
        float* output, int outputStride, bool add)
        where TRows : struct, GemmMicroKernels.IOffsets where TVectors : struct, ICount
    {
        switch (runs)
        {
            case 1: Walk<TRows, TVectors, Count1>(mask, w0, w1, x, stride, rows, b, runStride, output, outputStride, add); break;
            case 2: Walk<TRows, TVectors, Count2>(mask, w0, w1, x, stride, rows, b, runStride, output, outputStride, add); break;
            default: Walk<TRows, TVectors, Count3>(mask, w0, w1, x, stride, rows, b, runStride, output, outputStride, add); break;
        }
    }

    /// <summary>
    /// The walk for TRuns runs of TVectors vectors: a multiply-add a vector for each set bit, each vector its own chain
    /// in a register. The sizes are types so that each walk is compiled with exactly its registers and addresses.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Walk<TRows, TVectors, TRuns>(ulong* mask, int w0, int w1, float* x, int stride, TRows rows, float* b, int runStride,
        float* output, int outputStride, bool add)
        where TRows : struct, GemmMicroKernels.IOffsets where TVectors : struct, ICount where TRuns : struct, ICount
    {
        int v = TVectors.Value, n = v * TRuns.Value;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        Vector512<float> a12 = default, a13 = default, a14 = default, a15 = default, a16 = default, a17 = default, a18 = default, a19 = default, a20 = default, a21 = default, a22 = default, a23 = default;
        float* o0 = output, o1 = o0 + outputStride, o2 = o1 + outputStride;
        for (int w = w0; w < w1; w++)
        {
            ulong bits = mask[w];
            while (bits != 0)
            {
                int p = (w << 6) + BitOperations.TrailingZeroCount(bits);
                bits &= bits - 1;
                float* r0 = b + rows.At(p), r1 = r0 + runStride, r2 = r1 + runStride;
                var u = Vector512.Create(x[(long)p * stride]);
                a0 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((0 / v == 0 ? r0 : 0 / v == 1 ? r1 : r2) + 0 % v * Vector), a0);
                if (n > 1) a1 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((1 / v == 0 ? r0 : 1 / v == 1 ? r1 : r2) + 1 % v * Vector), a1);
                if (n > 2) a2 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((2 / v == 0 ? r0 : 2 / v == 1 ? r1 : r2) + 2 % v * Vector), a2);
                if (n > 3) a3 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((3 / v == 0 ? r0 : 3 / v == 1 ? r1 : r2) + 3 % v * Vector), a3);
                if (n > 4) a4 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((4 / v == 0 ? r0 : 4 / v == 1 ? r1 : r2) + 4 % v * Vector), a4);
                if (n > 5) a5 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((5 / v == 0 ? r0 : 5 / v == 1 ? r1 : r2) + 5 % v * Vector), a5);
                if (n > 6) a6 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((6 / v == 0 ? r0 : 6 / v == 1 ? r1 : r2) + 6 % v * Vector), a6);
                if (n > 7) a7 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((7 / v == 0 ? r0 : 7 / v == 1 ? r1 : r2) + 7 % v * Vector), a7);
                if (n > 8) a8 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((8 / v == 0 ? r0 : 8 / v == 1 ? r1 : r2) + 8 % v * Vector), a8);
                if (n > 9) a9 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((9 / v == 0 ? r0 : 9 / v == 1 ? r1 : r2) + 9 % v * Vector), a9);
                if (n > 10) a10 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((10 / v == 0 ? r0 : 10 / v == 1 ? r1 : r2) + 10 % v * Vector), a10);
                if (n > 11) a11 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((11 / v == 0 ? r0 : 11 / v == 1 ? r1 : r2) + 11 % v * Vector), a11);
                if (n > 12) a12 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((12 / v == 0 ? r0 : 12 / v == 1 ? r1 : r2) + 12 % v * Vector), a12);
                if (n > 13) a13 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((13 / v == 0 ? r0 : 13 / v == 1 ? r1 : r2) + 13 % v * Vector), a13);
                if (n > 14) a14 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((14 / v == 0 ? r0 : 14 / v == 1 ? r1 : r2) + 14 % v * Vector), a14);
                if (n > 15) a15 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((15 / v == 0 ? r0 : 15 / v == 1 ? r1 : r2) + 15 % v * Vector), a15);
                if (n > 16) a16 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((16 / v == 0 ? r0 : 16 / v == 1 ? r1 : r2) + 16 % v * Vector), a16);
                if (n > 17) a17 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((17 / v == 0 ? r0 : 17 / v == 1 ? r1 : r2) + 17 % v * Vector), a17);
                if (n > 18) a18 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((18 / v == 0 ? r0 : 18 / v == 1 ? r1 : r2) + 18 % v * Vector), a18);
                if (n > 19) a19 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((19 / v == 0 ? r0 : 19 / v == 1 ? r1 : r2) + 19 % v * Vector), a19);
                if (n > 20) a20 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((20 / v == 0 ? r0 : 20 / v == 1 ? r1 : r2) + 20 % v * Vector), a20);
                if (n > 21) a21 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((21 / v == 0 ? r0 : 21 / v == 1 ? r1 : r2) + 21 % v * Vector), a21);
                if (n > 22) a22 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((22 / v == 0 ? r0 : 22 / v == 1 ? r1 : r2) + 22 % v * Vector), a22);
                if (n > 23) a23 = Avx512F.FusedMultiplyAdd(u, Vector512.Load((23 / v == 0 ? r0 : 23 / v == 1 ? r1 : r2) + 23 % v * Vector), a23);
            }
        }
        Put((0 / v == 0 ? o0 : 0 / v == 1 ? o1 : o2) + 0 % v * Vector, a0, add);
        if (n > 1) Put((1 / v == 0 ? o0 : 1 / v == 1 ? o1 : o2) + 1 % v * Vector, a1, add);
        if (n > 2) Put((2 / v == 0 ? o0 : 2 / v == 1 ? o1 : o2) + 2 % v * Vector, a2, add);
        if (n > 3) Put((3 / v == 0 ? o0 : 3 / v == 1 ? o1 : o2) + 3 % v * Vector, a3, add);
        if (n > 4) Put((4 / v == 0 ? o0 : 4 / v == 1 ? o1 : o2) + 4 % v * Vector, a4, add);
        if (n > 5) Put((5 / v == 0 ? o0 : 5 / v == 1 ? o1 : o2) + 5 % v * Vector, a5, add);
        if (n > 6) Put((6 / v == 0 ? o0 : 6 / v == 1 ? o1 : o2) + 6 % v * Vector, a6, add);
        if (n > 7) Put((7 / v == 0 ? o0 : 7 / v == 1 ? o1 : o2) + 7 % v * Vector, a7, add);
        if (n > 8) Put((8 / v == 0 ? o0 : 8 / v == 1 ? o1 : o2) + 8 % v * Vector, a8, add);
        if (n > 9) Put((9 / v == 0 ? o0 : 9 / v == 1 ? o1 : o2) + 9 % v * Vector, a9, add);
        if (n > 10) Put((10 / v == 0 ? o0 : 10 / v == 1 ? o1 : o2) + 10 % v * Vector, a10, add);
        if (n > 11) Put((11 / v == 0 ? o0 : 11 / v == 1 ? o1 : o2) + 11 % v * Vector, a11, add);
        if (n > 12) Put((12 / v == 0 ? o0 : 12 / v == 1 ? o1 : o2) + 12 % v * Vector, a12, add);
        if (n > 13) Put((13 / v == 0 ? o0 : 13 / v == 1 ? o1 : o2) + 13 % v * Vector, a13, add);
        if (n > 14) Put((14 / v == 0 ? o0 : 14 / v == 1 ? o1 : o2) + 14 % v * Vector, a14, add);
        if (n > 15) Put((15 / v == 0 ? o0 : 15 / v == 1 ? o1 : o2) + 15 % v * Vector, a15, add);
        if (n > 16) Put((16 / v == 0 ? o0 : 16 / v == 1 ? o1 : o2) + 16 % v * Vector, a16, add);
        if (n > 17) Put((17 / v == 0 ? o0 : 17 / v == 1 ? o1 : o2) + 17 % v * Vector, a17, add);
        if (n > 18) Put((18 / v == 0 ? o0 : 18 / v == 1 ? o1 : o2) + 18 % v * Vector, a18, add);
        if (n > 19) Put((19 / v == 0 ? o0 : 19 / v == 1 ? o1 : o2) + 19 % v * Vector, a19, add);
        if (n > 20) Put((20 / v == 0 ? o0 : 20 / v == 1 ? o1 : o2) + 20 % v * Vector, a20, add);
        if (n > 21) Put((21 / v == 0 ? o0 : 21 / v == 1 ? o1 : o2) + 21 % v * Vector, a21, add);
        if (n > 22) Put((22 / v == 0 ? o0 : 22 / v == 1 ? o1 : o2) + 22 % v * Vector, a22, add);
        if (n > 23) Put((23 / v == 0 ? o0 : 23 / v == 1 ? o1 : o2) + 23 % v * Vector, a23, add);
    }

    /// <summary>Stores a sum, or adds it to the value there (the fold of a patch row: one addition a value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* destination, Vector512<float> sum, bool add)
    {
        if (add) sum = Vector512.Load(destination) + sum;
        sum.Store(destination);
    }

    /// <summary>
    /// The kernel gradient's work in three passes. A survey: the rows' and the filters' masks (a 64 x 64 bit transpose a
    /// word of rows) and the input's finiteness. The block sums: runs of Kc blocks of patch rows a task, in order (the
    /// first threads the first images: those their own forward pass wrote), every filter's sum of a block from zero
    /// while the block's rows are in the core's cache; a task that holds a k chunk's first block adds the chunk's next
    /// blocks to it as it goes, and a block of a chunk begun in an earlier task is kept apart. The combine, a run of
    /// filters a task: each chunk's sum completed with its blocks kept apart, in order, and the chunks added, chunk 0
    /// first: Gemm's k blocks and k chunks, whichever task made a block's sum.
    /// </summary>
    private sealed class KernelGradientJob(ZeroSkippingConvolution owner) : ParallelJob
    {
        private enum Phase { Survey, Blocks, Combine }
        private float* _input, _dz;
        private int* _rowOffsets;
        private int _inputLength, _rows, _patch, _filters, _rowWords, _filterWords, _surveyTasks, _walkCount;
        private int _blocks, _chunks, _blocksPerChunk, _blockTasks, _combineTasks;
        private Phase _phase;
        private long[] _nonZeros = [];
        private long[] _blockWork = [];
        /// <summary>Task t's blocks: [_firstBlocks[t], _firstBlocks[t + 1]).</summary>
        private int[] _firstBlocks = [];
        /// <summary>Where each chunk's running sum stops and its blocks kept apart begin: the end of the task that holds its first block.</summary>
        private int[] _chunkRunEnds = [];
        private bool[] _finite = [];
        private float[][] _rowScratch = [];
        private int[] _runColumns = [], _runOffsets = [];
        private WalkPlan[] _walks = [];

        /// <summary>Cuts the patch columns into runs that lie side by side in the input and plans their walks; false if a run is not whole vectors.</summary>
        public bool PlanWalks(ReadOnlySpan<int> colOffsets)
        {
            int patch = colOffsets.Length, runs = 0;
            if (_runColumns.Length < patch + 1) { _runColumns = new int[patch + 1]; _runOffsets = new int[patch]; _walks = new WalkPlan[patch / Vector + 1]; }
            for (int q = 0; q < patch; q++)
                if (q == 0 || colOffsets[q] != colOffsets[q - 1] + 1)
                {
                    if (q % Vector != 0) return false;
                    _runColumns[runs] = q;
                    _runOffsets[runs++] = colOffsets[q];
                }
            _runColumns[runs] = patch;
            // The kernel gradient's row f holds the patch columns side by side.
            _walkCount = Plan(_runColumns.AsSpan(0, runs + 1), _runOffsets.AsSpan(0, runs), _runColumns.AsSpan(0, runs), _walks);
            return true;
        }

        public void Prepare(float* input, int inputLength, int* rowOffsets, float* dz, int rows, int patch, int filters)
        {
            _input = input; _inputLength = inputLength; _rowOffsets = rowOffsets; _dz = dz;
            (_rows, _patch, _filters) = (rows, patch, filters);
            _rowWords = (rows + 63) / 64;
            _filterWords = (filters + 63) / 64;
            _surveyTasks = _rowWords;
            _blocks = (rows + Gemm.Kc - 1) / Gemm.Kc;
            (_chunks, _blocksPerChunk) = Gemm.KChunkPlan(KernelIsa.Active, patch, rows);
        }

        /// <summary>Marks dz's rows and filters and checks the input; false when dz is too dense or the input not finite.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Survey()
        {
            if (_nonZeros.Length < _surveyTasks) { _nonZeros = new long[_surveyTasks]; _finite = new bool[_surveyTasks]; }
            Execute(Phase.Survey, _surveyTasks, (long)_rows * _filters >= 1 << 16);
            long nonZeros = 0;
            bool finite = true;
            for (int t = 0; t < _surveyTasks; t++) { nonZeros += _nonZeros[t]; finite &= _finite[t]; }
            if (!finite || nonZeros > MaxDensity * _rows * _filters) return false;
            // Which task sums a block changes nothing in it: runs of blocks of about equal non-zeros, a few a thread.
            if (_blockWork.Length < _blocks) _blockWork = new long[_blocks];
            for (int b = 0; b < _blocks; b++)
            {
                long work = 1;
                for (int w = b * WordsPerBlock; w < Math.Min(_rowWords, (b + 1) * WordsPerBlock); w++) work += _nonZeros[w];
                _blockWork[b] = work;
            }
            _blockTasks = Math.Min(_blocks, BlockTasksPerThread * WorkerPool.Threads);
            if (_firstBlocks.Length < _blockTasks + 1) _firstBlocks = new int[_blockTasks + 1];
            ZeroSkippingGemm.CutByWork(_blockWork.AsSpan(0, _blocks), _firstBlocks.AsSpan(0, _blockTasks + 1));
            if (_chunkRunEnds.Length < _chunks) _chunkRunEnds = new int[_chunks];
            for (int c = 0, t = 0; c < _chunks; c++)
            {
                int first = c * _blocksPerChunk;
                while (_firstBlocks[t + 1] <= first) t++;
                _chunkRunEnds[c] = Math.Min(Math.Min(_blocks, first + _blocksPerChunk), _firstBlocks[t + 1]);
            }
            _combineTasks = (_filters + FiltersPerCombine - 1) / FiltersPerCombine;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Multiply()
        {
            int slots = WorkerPool.SlotCount;
            if (_rowScratch.Length < slots) Array.Resize(ref _rowScratch, slots);
            for (int s = 0; s < slots; s++)
                if (_rowScratch[s] == null || _rowScratch[s].Length < _patch) _rowScratch[s] = new float[_patch];
            long length = (long)_filters * _patch;
            if (owner._chunkSums.Length < _chunks * length) owner._chunkSums = new float[_chunks * length];
            if (owner._blockSums.Length < _blocks * length) owner._blockSums = new float[_blocks * length];
            bool parallel = (long)_rows * _filters * _patch >= Gemm.ParallelMultiplyAdds;
            try
            {
                Execute(Phase.Blocks, _blockTasks, parallel);
                Execute(Phase.Combine, _combineTasks, parallel);
            }
            finally { _input = _dz = null; _rowOffsets = null; }
        }

        private void Execute(Phase phase, int tasks, bool parallel)
        {
            _phase = phase;
            if (parallel) WorkerPool.Run(this, tasks);
            else for (int t = 0; t < tasks; t++) Run(t);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int task)
        {
            switch (_phase)
            {
                case Phase.Survey: Survey(task); break;
                case Phase.Blocks: Blocks(task); break;
                default: Combine(task); break;
            }
        }

        /// <summary>Rows [64 task, 64 task + 64): their masks, each filter's word of them, and a share of the input checked.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Survey(int task)
        {
            int first = task * 64, count = Math.Min(64, _rows - first);
            ulong* block = stackalloc ulong[64];
            fixed (ulong* rowBits = owner._rowBits, columnBits = owner._columnBits)
            {
                _nonZeros[task] = NonZeroBits.MarkRows(_dz + (long)first * _filters, count, _filters, rowBits + (long)first * _filterWords);
                for (int fw = 0; fw < _filterWords; fw++)
                {
                    for (int i = 0; i < 64; i++) block[i] = i < count ? rowBits[(long)(first + i) * _filterWords + fw] : 0;
                    NonZeroBits.Transpose64(block);
                    for (int i = 0; i < 64 && fw * 64 + i < _filters; i++) columnBits[(long)(fw * 64 + i) * _rowWords + task] = block[i];
                }
            }
            long from = (long)_inputLength * task / _surveyTasks, to = (long)_inputLength * (task + 1) / _surveyTasks;
            _finite[task] = ExactSpans.AllFinite(new ReadOnlySpan<float>(_input + from, (int)(to - from)));
        }

        /// <summary>The task's run of blocks: each filter's block sum into its chunk's running sum, or kept apart.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Blocks(int task)
        {
            int patch = _patch, firstBlock = _firstBlocks[task], lastBlock = _firstBlocks[task + 1];
            long length = (long)_filters * patch;
            var rows = new GemmMicroKernels.Table(_rowOffsets);
            fixed (ulong* columnBits = owner._columnBits)
            fixed (float* chunkSums = owner._chunkSums, blockSums = owner._blockSums, scratch = _rowScratch[WorkerPool.CurrentSlot])
            fixed (WalkPlan* walks = _walks)
                for (int block = firstBlock; block < lastBlock; block++)
                {
                    int chunk = block / _blocksPerChunk, chunkFirst = chunk * _blocksPerChunk;
                    int w0 = block * WordsPerBlock, w1 = Math.Min(_rowWords, w0 + WordsPerBlock);
                    // This task began the chunk: its blocks go into the running sum. Else the block is kept apart.
                    bool running = chunkFirst >= firstBlock, add = running && block > chunkFirst;
                    float* target = running ? chunkSums + chunk * length : blockSums + block * length;
                    for (int f = 0; f < _filters; f++)
                    {
                        float* output = add ? scratch : target + (long)f * patch;
                        for (int walk = 0; walk < _walkCount; walk++)
                            Walk(columnBits + (long)f * _rowWords, w0, w1, _dz + f, _filters, rows, _input, walks[walk], output, add: false);
                        if (add) ExactSpans.AddTo(new Span<float>(target + (long)f * patch, patch), new ReadOnlySpan<float>(scratch, patch));
                    }
                }
        }

        /// <summary>Filters [FiltersPerCombine task, ...): each chunk's sum completed in block order, then the chunks added in order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Combine(int task)
        {
            int patch = _patch, firstFilter = task * FiltersPerCombine, lastFilter = Math.Min(_filters, firstFilter + FiltersPerCombine);
            long length = (long)_filters * patch;
            fixed (float* chunkSums = owner._chunkSums, blockSums = owner._blockSums, sums = owner._sums, scratch = _rowScratch[WorkerPool.CurrentSlot])
                for (int f = firstFilter; f < lastFilter; f++)
                {
                    var sum = new Span<float>(sums + (long)f * patch, patch);
                    for (int chunk = 0; chunk < _chunks; chunk++)
                    {
                        var chunkSum = chunk == 0 ? sum : new Span<float>(scratch, patch);
                        new ReadOnlySpan<float>(chunkSums + chunk * length + (long)f * patch, patch).CopyTo(chunkSum);
                        int chunkEnd = Math.Min(_blocks, (chunk + 1) * _blocksPerChunk);
                        for (int block = _chunkRunEnds[chunk]; block < chunkEnd; block++)
                            ExactSpans.AddTo(chunkSum, new ReadOnlySpan<float>(blockSums + block * length + (long)f * patch, patch));
                        if (chunk > 0) ExactSpans.AddTo(sum, chunkSum);
                    }
                }
        }
    }
}

/// <summary>A small whole number as a type, so that a walk of <see cref="ZeroSkippingConvolution"/> is compiled for it.</summary>
internal interface ICount
{
    static abstract int Value { get; }
}

internal readonly struct Count1 : ICount { public static int Value => 1; }
internal readonly struct Count2 : ICount { public static int Value => 2; }
internal readonly struct Count3 : ICount { public static int Value => 3; }
internal readonly struct Count4 : ICount { public static int Value => 4; }
internal readonly struct Count5 : ICount { public static int Value => 5; }
internal readonly struct Count6 : ICount { public static int Value => 6; }
internal readonly struct Count7 : ICount { public static int Value => 7; }
internal readonly struct Count8 : ICount { public static int Value => 8; }
