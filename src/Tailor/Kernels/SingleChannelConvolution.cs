using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tailor.Threading;

namespace Tailor.Kernels;

/// <summary>
/// A 3x3 convolution of a one-channel image (the notebook's first layer) without im2col: its patch
/// rows have 9 values, so the lowered product is all overhead (writing the patches, reading them back,
/// then the pre-activation gradient written and read again for a 9-row product). Forward is bias and
/// ReLU over 9 multiply-adds per output; backward is one pass over the positions that masks the output
/// gradient by ReLU and sums the bias and kernel gradients in registers. Both give the bits of
/// im2col + <see cref="Gemm"/> + <see cref="GradientRows.MaskAndSum"/>: each sum has the same terms in
/// the same order, cut into the same blocks of <see cref="Gemm.Kc"/> positions and the same k chunks.
/// </summary>
internal sealed unsafe class SingleChannelConvolution
{
    private const int Taps = 9, FilterGroup = 32;
    private readonly Job _job = new();
    private float[] _chunkKernel = [];
    private float[] _blockBias = [];

    /// <summary>Valid 3x3 windows with stride 1 on one channel, filters in groups of 32, AVX-512.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Supports(in ConvGeometry g, int filters) =>
        KernelIsa.Active == Isa.Avx512 && g.Channels == 1 && g.KernelHeight == 3 && g.KernelWidth == 3
        && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.PadTop == 0 && g.PadLeft == 0 && g.OutHeight == g.Height - 2 && g.OutWidth == g.Width - 2
        && filters % FilterGroup == 0;

    /// <summary>
    /// z[p, f] = (relu ? max : id)(sum over the 9 taps t of x_t(p) kernel[t, f] + bias[f]) for every output
    /// position p of the batch (bias empty: none), as im2col then Gemm.Multiply with bias and ReLU.
    /// </summary>
    public void Forward(in ConvGeometry g, int batch, ReadOnlySpan<float> input, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
        int filters, bool relu, Span<float> output)
    {
        Check(g, filters, batch, input, kernel, output.Length, bias.Length);
        fixed (float* px = input, pk = kernel, pb = bias, pz = output)
            _job.Forward(g, batch, filters, px, pk, bias.IsEmpty ? null : pb, relu, pz);
    }

    /// <summary>
    /// From dy (the gradient of the layer's output y): dz = relu ? (y &gt; 0 ? dy : 0) : dy, never stored;
    /// biasGradient[f] = sum over positions of dz (when not empty) and kernelGradient[t, f] = sum over
    /// positions of x_t(p) dz[p, f], both overwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(in ConvGeometry g, int batch, ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient,
        int filters, bool relu, Span<float> kernelGradient, Span<float> biasGradient)
    {
        Check(g, filters, batch, input, kernelGradient, outputGradient.Length, biasGradient.Length);
        if (relu && output.Length < outputGradient.Length) throw new ArgumentException($"SingleChannelConvolution.Backward needs the layer's output ({outputGradient.Length} values), received {output.Length}.");
        var (chunks, blocksPerChunk, blocks) = PartialBuffers(batch * g.OutputPositions, filters);
        fixed (float* px = input, py = output, pdy = outputGradient, pck = _chunkKernel, pbb = _blockBias)
            _job.Backward(g, batch, filters, px, relu ? py : null, pdy, pck, pbb, chunks, blocksPerChunk, blocks);
        AddPartials(chunks, blocks, filters, kernelGradient, biasGradient);
    }

    /// <summary>
    /// <see cref="Backward"/> from the gradient of a max pooling of this layer's output (windows that do not overlap),
    /// routed here as that pooling's backward pass would route it (a cell gets its window's gradient when it won the
    /// maximum, 0 otherwise) but never written out; the ReLU mask read from the pooled maxima, which are the winners'
    /// outputs. The bits of the pooling's backward pass followed by <see cref="Backward"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BackwardThroughPool(in ConvGeometry g, int batch, ReadOnlySpan<float> input, in ConvGeometry pool, ReadOnlySpan<float> pooled,
        ReadOnlySpan<int> winners, ReadOnlySpan<float> pooledGradient, int filters, bool relu, Span<float> kernelGradient, Span<float> biasGradient)
    {
        Check(g, filters, batch, input, kernelGradient, batch * g.OutputPositions * filters, biasGradient.Length);
        long pooledValues = (long)batch * pool.OutputPositions * filters;
        if (!RoutesEachCellOnce(g, pool, filters) || pooled.Length < pooledValues || winners.Length < pooledValues || pooledGradient.Length < pooledValues)
            throw new ArgumentException($"SingleChannelConvolution.BackwardThroughPool needs a pooling of {g.OutHeight}x{g.OutWidth}x{filters} images by windows that do not overlap and {pooledValues} maxima, winners and gradients; received {pool}, {pooled.Length}, {winners.Length} and {pooledGradient.Length}.");
        var (chunks, blocksPerChunk, blocks) = PartialBuffers(batch * g.OutputPositions, filters);
        fixed (float* px = input, pp = pooled, pdp = pooledGradient, pck = _chunkKernel, pbb = _blockBias)
        fixed (int* pw = winners)
            _job.BackwardThroughPool(g, batch, filters, px, pool, relu ? pp : null, pw, pdp, pck, pbb, chunks, blocksPerChunk, blocks);
        AddPartials(chunks, blocks, filters, kernelGradient, biasGradient);
    }

    /// <summary>The k chunks and blocks of a backward pass over <paramref name="rows"/> positions, with room for their partial sums.</summary>
    private (int Chunks, int BlocksPerChunk, int Blocks) PartialBuffers(int rows, int filters)
    {
        var (chunks, blocksPerChunk) = Gemm.KChunkPlan(KernelIsa.Active, Taps, rows);
        int blocks = (rows + Gemm.Kc - 1) / Gemm.Kc;
        if (_chunkKernel.Length < chunks * Taps * filters) _chunkKernel = new float[chunks * Taps * filters];
        if (_blockBias.Length < blocks * filters) _blockBias = new float[blocks * filters];
        return (chunks, blocksPerChunk, blocks);
    }

    /// <summary>
    /// The k chunks' partial kernel gradients in chunk order, as Gemm reduces them; the bias sums per block as
    /// GradientRows adds its chunks of as many rows as a block has positions.
    /// </summary>
    private void AddPartials(int chunks, int blocks, int filters, Span<float> kernelGradient, Span<float> biasGradient)
    {
        PartialSums.AddInOrder(_chunkKernel, chunks, kernelGradient[..(Taps * filters)]);
        if (!biasGradient.IsEmpty) PartialSums.AddInOrder(_blockBias, blocks, biasGradient[..filters]);
    }

    /// <summary>Whether <paramref name="pool"/> pools this layer's whole output by windows that do not overlap, from the top-left cell.</summary>
    public static bool RoutesEachCellOnce(in ConvGeometry g, in ConvGeometry pool, int filters) =>
        pool.Height == g.OutHeight && pool.Width == g.OutWidth && pool.Channels == filters && pool.PadTop == 0 && pool.PadLeft == 0
        && pool.StrideHeight >= pool.KernelHeight && pool.StrideWidth >= pool.KernelWidth;

    /// <summary>
    /// <see cref="Forward"/> with each image's output max-pooled by <paramref name="pool"/> into
    /// <paramref name="pooled"/> while it is still in its core's cache, as <see cref="PoolingKernels.MaxForward(in ConvGeometry, ReadOnlySpan{float}, Span{float})"/>
    /// pools it: the same maxima of the same values, without the convolution's whole output written to memory and
    /// read back (26x26x32 values an image for the notebook's first layer, four times what its pooling keeps).
    /// </summary>
    public void ForwardPooled(in ConvGeometry g, int batch, ReadOnlySpan<float> input, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
        int filters, bool relu, in ConvGeometry pool, Span<float> pooled) => ForwardPooled(g, batch, input, kernel, bias, filters, relu, pool, pooled, default);

    /// <summary>
    /// <see cref="ForwardPooled(in ConvGeometry, int, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, bool, in ConvGeometry, Span{float})"/>
    /// that also keeps each window's winner in <paramref name="winners"/> (when not empty), as a training pass of the
    /// pooling does, for <see cref="BackwardThroughPool"/>.
    /// </summary>
    public void ForwardPooled(in ConvGeometry g, int batch, ReadOnlySpan<float> input, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
        int filters, bool relu, in ConvGeometry pool, Span<float> pooled, Span<int> winners)
    {
        if (!winners.IsEmpty && winners.Length < (long)batch * pool.OutputPositions * filters)
            throw new ArgumentException($"SingleChannelConvolution.ForwardPooled needs {(long)batch * pool.OutputPositions * filters} winners, received {winners.Length}.");
        Check(g, filters, batch, input, kernel, batch * g.OutputPositions * filters, bias.Length);
        if (pool.Height != g.OutHeight || pool.Width != g.OutWidth || pool.Channels != filters || pooled.Length < (long)batch * pool.OutputPositions * filters)
            throw new ArgumentException($"SingleChannelConvolution.ForwardPooled needs a pooling of {g.OutHeight}x{g.OutWidth}x{filters} images into {(long)batch * pool.OutputPositions * filters} values; received {pool} and {pooled.Length}.");
        fixed (float* px = input, pk = kernel, pb = bias, pp = pooled)
        fixed (int* pw = winners)
            _job.ForwardPooled(g, batch, filters, px, pk, bias.IsEmpty ? null : pb, relu, pool, pp, winners.IsEmpty ? null : pw);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Check(in ConvGeometry g, int filters, int batch, ReadOnlySpan<float> input, ReadOnlySpan<float> kernel, int outputLength, int biasLength)
    {
        if (!Supports(g, filters)) throw new ArgumentException($"SingleChannelConvolution does not support {g} with {filters} filters on {KernelIsa.Active}.");
        long positions = (long)batch * g.OutputPositions * filters;
        if (input.Length < (long)batch * g.InputLength || kernel.Length < Taps * filters || outputLength < positions || (biasLength != 0 && biasLength != filters))
            throw new ArgumentException($"SingleChannelConvolution needs {batch} images of {g.InputLength}, a 9 x {filters} kernel, {positions} outputs and {filters} biases; received {input.Length}, {kernel.Length}, {outputLength} and {biasLength}.");
    }

    private sealed class Job : ParallelJob
    {
        private ConvGeometry _g, _pool;
        private bool _forward, _relu;
        private float* _pooled;

        /// <summary>One image's convolution output on this thread, pooled from there (see <see cref="ForwardPooled"/>).</summary>
        [ThreadStatic]
        private static float[]? t_image;
        private int _batch, _filters, _blocksPerChunk, _blocks, _rows;
        private float* _x, _kernel, _bias, _y, _dy, _chunkKernel, _blockBias, _z;
        /// <summary>Set when backward reads a max pooling's gradient, winners and (for ReLU) maxima instead of dy and y.</summary>
        private float* _poolGradient, _maxima;
        private int* _winners;

        public void Forward(in ConvGeometry g, int batch, int filters, float* x, float* kernel, float* bias, bool relu, float* z)
        {
            (_g, _batch, _filters, _relu, _forward) = (g, batch, filters, relu, true);
            _x = x; _kernel = kernel; _bias = bias; _z = z;
            Execute(batch, (long)batch * g.OutputPositions * filters * Taps);
        }

        public void ForwardPooled(in ConvGeometry g, int batch, int filters, float* x, float* kernel, float* bias, bool relu, in ConvGeometry pool, float* pooled, int* winners)
        {
            (_g, _batch, _filters, _relu, _forward, _pool) = (g, batch, filters, relu, true, pool);
            _x = x; _kernel = kernel; _bias = bias; _pooled = pooled; _winners = winners;
            Execute(batch, (long)batch * g.OutputPositions * filters * Taps);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Backward(in ConvGeometry g, int batch, int filters, float* x, float* y, float* dy, float* chunkKernel, float* blockBias,
            int chunks, int blocksPerChunk, int blocks)
        {
            (_g, _batch, _filters, _relu, _forward) = (g, batch, filters, y != null, false);
            (_blocksPerChunk, _blocks, _rows) = (blocksPerChunk, blocks, batch * g.OutputPositions);
            _x = x; _y = y; _dy = dy; _chunkKernel = chunkKernel; _blockBias = blockBias;
            Execute(chunks, (long)_rows * filters * Taps);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void BackwardThroughPool(in ConvGeometry g, int batch, int filters, float* x, in ConvGeometry pool, float* pooled, int* winners, float* poolGradient,
            float* chunkKernel, float* blockBias, int chunks, int blocksPerChunk, int blocks)
        {
            (_g, _batch, _filters, _relu, _forward, _pool) = (g, batch, filters, pooled != null, false, pool);
            (_blocksPerChunk, _blocks, _rows) = (blocksPerChunk, blocks, batch * g.OutputPositions);
            _x = x; _maxima = pooled; _winners = winners; _poolGradient = poolGradient; _chunkKernel = chunkKernel; _blockBias = blockBias;
            Execute(chunks, (long)_rows * filters * Taps);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Execute(int tasks, long multiplyAdds)
        {
            try
            {
                if (multiplyAdds >= 1 << 18) WorkerPool.Run(this, tasks);
                else for (int t = 0; t < tasks; t++) Run(t);
            }
            finally
            {
                _x = _kernel = _bias = _y = _dy = _chunkKernel = _blockBias = _z = _pooled = _maxima = _poolGradient = null;
                _winners = null;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int task)
        {
            if (_forward) ForwardImage(task);
            else BackwardChunk(task);
        }

        /// <summary>One image's outputs, four positions at a time, the 9 x 32 weights of a group held in registers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ForwardImage(int image)
        {
            int positions = _g.OutputPositions, filters = _filters;
            float* x = _x + (long)image * _g.InputLength;
            if (_pooled != null && _winners == null && PoolsPairsInRegisters(_g, _pool))
            {
                ConvolvePooledPairs(x, _pooled + (long)image * _pool.OutputPositions * filters);
                return;
            }
            if (_pooled != null)
            {
                var whole = t_image is { } kept && kept.Length >= positions * filters ? kept : t_image = new float[positions * filters];
                fixed (float* z = whole) ConvolveImage(x, z);
                int pooledLength = _pool.OutputPositions * filters;
                var output = new Span<float>(_pooled + (long)image * pooledLength, pooledLength);
                if (_winners == null) PoolingKernels.MaxForward(_pool, whole.AsSpan(0, positions * filters), output);
                else PoolingKernels.MaxForward(_pool, whole.AsSpan(0, positions * filters), output, new Span<int>(_winners + (long)image * pooledLength, pooledLength));
            }
            else ConvolveImage(x, _z + (long)image * positions * filters);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ConvolveImage(float* x, float* z)
        {
            int width = _g.Width, outWidth = _g.OutWidth, positions = _g.OutputPositions, filters = _filters;
            for (int group = 0; group < filters; group += FilterGroup)
            {
                float* k = _kernel + group;
                var (bias0, bias1) = GroupBias(group);
                var window = new WindowCursor(x, width, outWidth);
                int p = 0;
                // Eight positions of one output row at a time, then the row's last few four at a time and alone.
                for (int row = 0; row < _g.OutHeight; row++)
                {
                    int rowEnd = p + outWidth;
                    for (; p <= rowEnd - 8; p += 8)
                    {
                        ForwardEight(window.Current, width, k, filters, bias0, bias1, _bias != null, _relu, z + (long)p * filters + group, filters);
                        window.Skip(8);
                    }
                    for (; p <= rowEnd - 4; p += 4)
                        ForwardFour(window.Next(), window.Next(), window.Next(), window.Next(), width, k, filters, bias0, bias1, _bias != null, _relu, z + (long)p * filters + group, filters);
                    for (; p < rowEnd; p++)
                        ForwardOne(window.Next(), width, k, filters, bias0, bias1, _bias != null, _relu, z + (long)p * filters + group, filters);
                }
            }
        }

        /// <summary>The biases of filters group..group+31 (zeros without a bias).</summary>
        private (Vector512<float>, Vector512<float>) GroupBias(int group) =>
            _bias == null ? (Vector512<float>.Zero, Vector512<float>.Zero) : (Vector512.Load(_bias + group), Vector512.Load(_bias + group + 16));

        /// <summary>A 2x2 pooling with stride 2 from the top-left cell: pooled row by pooled row from two output rows in L1.</summary>
        private static bool PoolsPairsInRegisters(in ConvGeometry g, in ConvGeometry pool) =>
            pool.KernelHeight == 2 && pool.KernelWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2
            && pool.PadTop == 0 && pool.PadLeft == 0 && pool.OutHeight == g.OutHeight / 2 && pool.OutWidth == g.OutWidth / 2;

        /// <summary>
        /// One image's pooled output without its convolution output: for each pooled row, eight positions of each of
        /// its two output rows into a scratch of 16 positions in L1, then their four windows' maxima, each window's
        /// cells in <see cref="PoolingKernels"/>' order (top left, top right, bottom left, bottom right; a cell
        /// replaces the maximum only when greater): the same bits as the convolution's output pooled. Positions no
        /// window reads (an odd last row or column) are not computed.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ConvolvePooledPairs(float* x, float* pooled)
        {
            int width = _g.Width, filters = _filters, pooledWidth = _pool.OutWidth;
            float* scratch = stackalloc float[16 * FilterGroup];
            for (int group = 0; group < filters; group += FilterGroup)
            {
                float* k = _kernel + group;
                var (bias0, bias1) = GroupBias(group);
                for (int ph = 0; ph < _pool.OutHeight; ph++)
                {
                    float* top = x + 2 * ph * width, bottom = top + width;
                    float* output = pooled + (long)ph * pooledWidth * filters + group;
                    int pw = 0;
                    for (; pw + 4 <= pooledWidth; pw += 4)
                    {
                        ForwardEight(top + 2 * pw, width, k, filters, bias0, bias1, _bias != null, _relu, scratch, FilterGroup);
                        ForwardEight(bottom + 2 * pw, width, k, filters, bias0, bias1, _bias != null, _relu, scratch + 8 * FilterGroup, FilterGroup);
                        for (int q = 0; q < 4; q++) MaxOfWindow(scratch + 2 * q * FilterGroup, output + (pw + q) * filters);
                    }
                    for (; pw < pooledWidth; pw++)
                    {
                        ForwardOne(top + 2 * pw, width, k, filters, bias0, bias1, _bias != null, _relu, scratch, FilterGroup);
                        ForwardOne(top + 2 * pw + 1, width, k, filters, bias0, bias1, _bias != null, _relu, scratch + FilterGroup, FilterGroup);
                        ForwardOne(bottom + 2 * pw, width, k, filters, bias0, bias1, _bias != null, _relu, scratch + 8 * FilterGroup, FilterGroup);
                        ForwardOne(bottom + 2 * pw + 1, width, k, filters, bias0, bias1, _bias != null, _relu, scratch + 9 * FilterGroup, FilterGroup);
                        MaxOfWindow(scratch, output + pw * filters);
                    }
                }
            }
        }

        /// <summary>The maxima of a window whose top cells are at <paramref name="cells"/> and the cell beside, its bottom ones 8 cells on.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MaxOfWindow(float* cells, float* output)
        {
            for (int half = 0; half < FilterGroup; half += 16)
            {
                var max = Vector512.Load(cells + half);
                max = PoolingKernels.Larger(max, Vector512.Load(cells + FilterGroup + half));
                max = PoolingKernels.Larger(max, Vector512.Load(cells + 8 * FilterGroup + half));
                max = PoolingKernels.Larger(max, Vector512.Load(cells + 9 * FilterGroup + half));
                max.Store(output + half);
            }
        }

        /// <summary>
        /// Eight positions side by side in one output row: each input value of a kernel row is broadcast once for
        /// the windows that read it (10 broadcasts for 24 products of a filter pair), each output's sum over the 9
        /// taps in the same order as <see cref="ForwardOne"/>'s.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardEight(float* w, int width, float* k, int ldk,
            Vector512<float> bias0, Vector512<float> bias1, bool hasBias, bool relu, float* z, int ldz)
        {
            Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            Vector512<float> a4 = default, b4 = default, a5 = default, b5 = default, a6 = default, b6 = default, a7 = default, b7 = default;
            for (int kh = 0; kh < 3; kh++)
            {
                float* r = w + kh * width, kr = k + kh * 3 * ldk;
                var x0 = Vector512.Create(r[0]); var x1 = Vector512.Create(r[1]); var x2 = Vector512.Create(r[2]);
                var x3 = Vector512.Create(r[3]); var x4 = Vector512.Create(r[4]); var x5 = Vector512.Create(r[5]);
                var x6 = Vector512.Create(r[6]); var x7 = Vector512.Create(r[7]); var x8 = Vector512.Create(r[8]);
                var x9 = Vector512.Create(r[9]);
                var k0 = Vector512.Load(kr); var k1 = Vector512.Load(kr + 16);
                a0 = Avx512F.FusedMultiplyAdd(x0, k0, a0); b0 = Avx512F.FusedMultiplyAdd(x0, k1, b0);
                a1 = Avx512F.FusedMultiplyAdd(x1, k0, a1); b1 = Avx512F.FusedMultiplyAdd(x1, k1, b1);
                a2 = Avx512F.FusedMultiplyAdd(x2, k0, a2); b2 = Avx512F.FusedMultiplyAdd(x2, k1, b2);
                a3 = Avx512F.FusedMultiplyAdd(x3, k0, a3); b3 = Avx512F.FusedMultiplyAdd(x3, k1, b3);
                a4 = Avx512F.FusedMultiplyAdd(x4, k0, a4); b4 = Avx512F.FusedMultiplyAdd(x4, k1, b4);
                a5 = Avx512F.FusedMultiplyAdd(x5, k0, a5); b5 = Avx512F.FusedMultiplyAdd(x5, k1, b5);
                a6 = Avx512F.FusedMultiplyAdd(x6, k0, a6); b6 = Avx512F.FusedMultiplyAdd(x6, k1, b6);
                a7 = Avx512F.FusedMultiplyAdd(x7, k0, a7); b7 = Avx512F.FusedMultiplyAdd(x7, k1, b7);
                k0 = Vector512.Load(kr + ldk); k1 = Vector512.Load(kr + ldk + 16);
                a0 = Avx512F.FusedMultiplyAdd(x1, k0, a0); b0 = Avx512F.FusedMultiplyAdd(x1, k1, b0);
                a1 = Avx512F.FusedMultiplyAdd(x2, k0, a1); b1 = Avx512F.FusedMultiplyAdd(x2, k1, b1);
                a2 = Avx512F.FusedMultiplyAdd(x3, k0, a2); b2 = Avx512F.FusedMultiplyAdd(x3, k1, b2);
                a3 = Avx512F.FusedMultiplyAdd(x4, k0, a3); b3 = Avx512F.FusedMultiplyAdd(x4, k1, b3);
                a4 = Avx512F.FusedMultiplyAdd(x5, k0, a4); b4 = Avx512F.FusedMultiplyAdd(x5, k1, b4);
                a5 = Avx512F.FusedMultiplyAdd(x6, k0, a5); b5 = Avx512F.FusedMultiplyAdd(x6, k1, b5);
                a6 = Avx512F.FusedMultiplyAdd(x7, k0, a6); b6 = Avx512F.FusedMultiplyAdd(x7, k1, b6);
                a7 = Avx512F.FusedMultiplyAdd(x8, k0, a7); b7 = Avx512F.FusedMultiplyAdd(x8, k1, b7);
                k0 = Vector512.Load(kr + 2 * ldk); k1 = Vector512.Load(kr + 2 * ldk + 16);
                a0 = Avx512F.FusedMultiplyAdd(x2, k0, a0); b0 = Avx512F.FusedMultiplyAdd(x2, k1, b0);
                a1 = Avx512F.FusedMultiplyAdd(x3, k0, a1); b1 = Avx512F.FusedMultiplyAdd(x3, k1, b1);
                a2 = Avx512F.FusedMultiplyAdd(x4, k0, a2); b2 = Avx512F.FusedMultiplyAdd(x4, k1, b2);
                a3 = Avx512F.FusedMultiplyAdd(x5, k0, a3); b3 = Avx512F.FusedMultiplyAdd(x5, k1, b3);
                a4 = Avx512F.FusedMultiplyAdd(x6, k0, a4); b4 = Avx512F.FusedMultiplyAdd(x6, k1, b4);
                a5 = Avx512F.FusedMultiplyAdd(x7, k0, a5); b5 = Avx512F.FusedMultiplyAdd(x7, k1, b5);
                a6 = Avx512F.FusedMultiplyAdd(x8, k0, a6); b6 = Avx512F.FusedMultiplyAdd(x8, k1, b6);
                a7 = Avx512F.FusedMultiplyAdd(x9, k0, a7); b7 = Avx512F.FusedMultiplyAdd(x9, k1, b7);
            }
            Finish(z, ldz, a0, b0, bias0, bias1, hasBias, relu);
            Finish(z + ldz, ldz, a1, b1, bias0, bias1, hasBias, relu);
            Finish(z + 2 * ldz, ldz, a2, b2, bias0, bias1, hasBias, relu);
            Finish(z + 3 * ldz, ldz, a3, b3, bias0, bias1, hasBias, relu);
            Finish(z + 4 * ldz, ldz, a4, b4, bias0, bias1, hasBias, relu);
            Finish(z + 5 * ldz, ldz, a5, b5, bias0, bias1, hasBias, relu);
            Finish(z + 6 * ldz, ldz, a6, b6, bias0, bias1, hasBias, relu);
            Finish(z + 7 * ldz, ldz, a7, b7, bias0, bias1, hasBias, relu);
        }

        /// <summary>The top-left input cell of each output position in turn, stepped without a division per position.</summary>
        private struct WindowCursor(float* image, int width, int outWidth)
        {
            private float* _row = image;
            private int _column;

            public float* Next()
            {
                float* window = _row + _column;
                if (++_column == outWidth) { _column = 0; _row += width; }
                return window;
            }

            /// <summary>The window <see cref="Next"/> returns next.</summary>
            public readonly float* Current => _row + _column;

            /// <summary>Steps past <paramref name="count"/> windows of the current output row.</summary>
            public void Skip(int count)
            {
                _column += count;
                if (_column == outWidth) { _column = 0; _row += width; }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardFour(float* w0, float* w1, float* w2, float* w3, int width, float* k, int ldk,
            Vector512<float> bias0, Vector512<float> bias1, bool hasBias, bool relu, float* z, int ldz)
        {
            Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            for (int t = 0; t < Taps; t++)
            {
                int offset = (t / 3) * width + t % 3;
                var k0 = Vector512.Load(k + t * ldk);
                var k1 = Vector512.Load(k + t * ldk + 16);
                var v = Vector512.Create(w0[offset]); a0 = Avx512F.FusedMultiplyAdd(v, k0, a0); b0 = Avx512F.FusedMultiplyAdd(v, k1, b0);
                v = Vector512.Create(w1[offset]); a1 = Avx512F.FusedMultiplyAdd(v, k0, a1); b1 = Avx512F.FusedMultiplyAdd(v, k1, b1);
                v = Vector512.Create(w2[offset]); a2 = Avx512F.FusedMultiplyAdd(v, k0, a2); b2 = Avx512F.FusedMultiplyAdd(v, k1, b2);
                v = Vector512.Create(w3[offset]); a3 = Avx512F.FusedMultiplyAdd(v, k0, a3); b3 = Avx512F.FusedMultiplyAdd(v, k1, b3);
            }
            Finish(z, ldz, a0, b0, bias0, bias1, hasBias, relu);
            Finish(z + ldz, ldz, a1, b1, bias0, bias1, hasBias, relu);
            Finish(z + 2 * ldz, ldz, a2, b2, bias0, bias1, hasBias, relu);
            Finish(z + 3 * ldz, ldz, a3, b3, bias0, bias1, hasBias, relu);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardOne(float* w, int width, float* k, int ldk,
            Vector512<float> bias0, Vector512<float> bias1, bool hasBias, bool relu, float* z, int ldz)
        {
            Vector512<float> a = default, b = default;
            for (int t = 0; t < Taps; t++)
            {
                var v = Vector512.Create(w[(t / 3) * width + t % 3]);
                a = Avx512F.FusedMultiplyAdd(v, Vector512.Load(k + t * ldk), a);
                b = Avx512F.FusedMultiplyAdd(v, Vector512.Load(k + t * ldk + 16), b);
            }
            Finish(z, ldz, a, b, bias0, bias1, hasBias, relu);
        }

        /// <summary>What the GEMM's epilogue does to a finished sum: + bias, then max with 0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Finish(float* z, int ldz, Vector512<float> a, Vector512<float> b, Vector512<float> bias0, Vector512<float> bias1, bool hasBias, bool relu)
        {
            if (hasBias) { a += bias0; b += bias1; }
            if (relu) { a = Vector512.Max(a, Vector512<float>.Zero); b = Vector512.Max(b, Vector512<float>.Zero); }
            a.Store(z); b.Store(z + 16);
        }

        /// <summary>
        /// One k chunk of positions, block by block: per block the kernel gradient's 9 x 32 sums start at zero
        /// (as a GEMM tile does) and are added to the chunk's partial; the bias sums go to the block's row.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void BackwardChunk(int chunk)
        {
            int firstBlock = chunk * _blocksPerChunk, lastBlock = Math.Min(_blocks, firstBlock + _blocksPerChunk);
            int filters = _filters;
            for (int group = 0; group < filters; group += FilterGroup)
            {
                float* partial = _chunkKernel + (long)chunk * Taps * filters + group;
                for (int block = firstBlock; block < lastBlock; block++)
                {
                    int p0 = block * Gemm.Kc, p1 = Math.Min(_rows, p0 + Gemm.Kc);
                    BackwardBlock(p0, p1, group, partial, block > firstBlock, _blockBias + (long)block * filters + group);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void BackwardBlock(int p0, int p1, int group, float* partial, bool add, float* blockBias)
        {
            int width = _g.Width, outWidth = _g.OutWidth, positions = _g.OutputPositions, inLength = _g.InputLength, filters = _filters;
            Vector512<float> k0a = default, k0b = default, k1a = default, k1b = default, k2a = default, k2b = default;
            Vector512<float> k3a = default, k3b = default, k4a = default, k4b = default, k5a = default, k5b = default;
            Vector512<float> k6a = default, k6b = default, k7a = default, k7b = default, k8a = default, k8b = default;
            Vector512<float> sa = default, sb = default;
            // The block's first window (a block may start mid-row), then one step per position.
            int image = p0 / positions, q = p0 % positions, outRow = q / outWidth;
            var window = new WindowCursor(_x + (long)image * inLength + outRow * width, width, outWidth);
            for (int i = 0; i < q % outWidth; i++) window.Next();
            int oh = outRow, ow = q % outWidth;
            for (int p = p0; p < p1; p++, q++)
            {
                if (q == positions) { q = 0; oh = 0; ow = 0; window = new WindowCursor(_x + (long)++image * inLength, width, outWidth); }
                float* w = window.Next();
                long at = (long)p * filters + group;
                Vector512<float> da, db;
                if (_poolGradient != null)
                {
                    (da, db) = RoutedGradient(image, oh, ow, group);
                    if (++ow == outWidth) { ow = 0; oh++; }
                }
                else
                {
                    da = Vector512.Load(_dy + at);
                    db = Vector512.Load(_dy + at + 16);
                }
                if (_y != null)
                {
                    da = ReluMask(da, Vector512.Load(_y + at));
                    db = ReluMask(db, Vector512.Load(_y + at + 16));
                }
                sa += da; sb += db;
                float* r1 = w + width, r2 = w + 2 * width;
                var v = Vector512.Create(w[0]); k0a = Avx512F.FusedMultiplyAdd(v, da, k0a); k0b = Avx512F.FusedMultiplyAdd(v, db, k0b);
                v = Vector512.Create(w[1]); k1a = Avx512F.FusedMultiplyAdd(v, da, k1a); k1b = Avx512F.FusedMultiplyAdd(v, db, k1b);
                v = Vector512.Create(w[2]); k2a = Avx512F.FusedMultiplyAdd(v, da, k2a); k2b = Avx512F.FusedMultiplyAdd(v, db, k2b);
                v = Vector512.Create(r1[0]); k3a = Avx512F.FusedMultiplyAdd(v, da, k3a); k3b = Avx512F.FusedMultiplyAdd(v, db, k3b);
                v = Vector512.Create(r1[1]); k4a = Avx512F.FusedMultiplyAdd(v, da, k4a); k4b = Avx512F.FusedMultiplyAdd(v, db, k4b);
                v = Vector512.Create(r1[2]); k5a = Avx512F.FusedMultiplyAdd(v, da, k5a); k5b = Avx512F.FusedMultiplyAdd(v, db, k5b);
                v = Vector512.Create(r2[0]); k6a = Avx512F.FusedMultiplyAdd(v, da, k6a); k6b = Avx512F.FusedMultiplyAdd(v, db, k6b);
                v = Vector512.Create(r2[1]); k7a = Avx512F.FusedMultiplyAdd(v, da, k7a); k7b = Avx512F.FusedMultiplyAdd(v, db, k7b);
                v = Vector512.Create(r2[2]); k8a = Avx512F.FusedMultiplyAdd(v, da, k8a); k8b = Avx512F.FusedMultiplyAdd(v, db, k8b);
            }
            sa.Store(blockBias); sb.Store(blockBias + 16);
            Accumulate(partial, add, k0a, k0b); Accumulate(partial + filters, add, k1a, k1b); Accumulate(partial + 2 * filters, add, k2a, k2b);
            Accumulate(partial + 3 * filters, add, k3a, k3b); Accumulate(partial + 4 * filters, add, k4a, k4b); Accumulate(partial + 5 * filters, add, k5a, k5b);
            Accumulate(partial + 6 * filters, add, k6a, k6b); Accumulate(partial + 7 * filters, add, k7a, k7b); Accumulate(partial + 8 * filters, add, k8a, k8b);
        }

        /// <summary>
        /// The gradient of output cell (oh, ow), filters group..group+31, that the max pooling's backward pass would
        /// write: its window's gradient (+ 0, as the pooling adds it to 0) where the cell won, 0 elsewhere or outside
        /// every window; then the ReLU mask, by the window's maximum, which is the winner's own output.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private (Vector512<float>, Vector512<float>) RoutedGradient(int image, int oh, int ow, int group)
        {
            ref readonly var pool = ref _pool;
            int ph = oh / pool.StrideHeight, pw = ow / pool.StrideWidth;
            if (oh % pool.StrideHeight >= pool.KernelHeight || ph >= pool.OutHeight || ow % pool.StrideWidth >= pool.KernelWidth || pw >= pool.OutWidth)
                return (Vector512<float>.Zero, Vector512<float>.Zero);
            int filters = _filters;
            long o = ((long)image * pool.OutputPositions + ph * pool.OutWidth + pw) * filters + group;
            int offset = (oh * _g.OutWidth + ow) * filters + group;
            var won0 = Vector512.Equals(Vector512.Load(_winners + o), Vector512.Create(offset) + Vector512<int>.Indices).AsSingle();
            var won1 = Vector512.Equals(Vector512.Load(_winners + o + 16), Vector512.Create(offset + 16) + Vector512<int>.Indices).AsSingle();
            var da = Vector512.ConditionalSelect(won0, Vector512.Load(_poolGradient + o) + Vector512<float>.Zero, Vector512<float>.Zero);
            var db = Vector512.ConditionalSelect(won1, Vector512.Load(_poolGradient + o + 16) + Vector512<float>.Zero, Vector512<float>.Zero);
            if (_maxima != null)
            {
                da = ReluMask(da, Vector512.Load(_maxima + o));
                db = ReluMask(db, Vector512.Load(_maxima + o + 16));
            }
            return (da, db);
        }

        /// <summary>GradientRows' ReLU mask: the gradient where the output is above 0, otherwise 0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> ReluMask(Vector512<float> gradient, Vector512<float> output) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(output, Vector512<float>.Zero), gradient, Vector512<float>.Zero);

        /// <summary>As the GEMM stores a tile: the first block's sums, then the partial plus each next block's.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Accumulate(float* c, bool add, Vector512<float> a, Vector512<float> b)
        {
            if (add) { a += Vector512.Load(c); b += Vector512.Load(c + 16); }
            a.Store(c); b.Store(c + 16);
        }
    }
}
