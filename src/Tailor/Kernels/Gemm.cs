using System.Runtime.CompilerServices;
using Tailor.Threading;
using static Tailor.Kernels.GemmMicroKernels;

namespace Tailor.Kernels;

/// <summary>
/// Single-precision matrix multiply, row-major: packed panels, cache blocking over k, and a
/// register-blocked micro-kernel per instruction set. Work is split over rows of C (and, when C is
/// too small to share, over fixed chunks of k reduced in a fixed order), so the result is the same
/// bits whatever the number of threads.
/// </summary>
internal static unsafe class Gemm
{
    internal const int Kc = 256;
    internal const int McTarget = 96;
    private const int KChunkTarget = 2048;
    private const int MaxKChunks = 8;
    /// <summary>
    /// Half a million multiply-adds (5 to 9 microseconds on one core): below it the product runs on the calling
    /// thread, since waking another costs microseconds, and on a busy machine a woken thread may be descheduled
    /// mid-task and hold the caller back (a worker that never starts has its task taken back). Above it are the
    /// CNN's second convolution at batch 1 (2.2M: 40-43 us on one Zen 4 core, 21-24 us on two, Predict 61 -> 43 us),
    /// its dense layer at batch 64 (2.4M: 44 -> 28 us) and the dense model's second layer at batch 64 (524K: 10 -> 6 us);
    /// its third convolution at batch 1 (332K, 9 rows) is cut by columns from <see cref="ParallelColumnMultiplyAdds"/>.
    /// </summary>
    internal const long ParallelMultiplyAdds = 1 << 19;

    /// <summary>
    /// Half of <see cref="ParallelMultiplyAdds"/> for products of one row block cut by columns: each thread reads
    /// only its columns of B, which stay in its core's cache from one call to the next (a layer's weights in inference).
    /// </summary>
    internal const long ParallelColumnMultiplyAdds = 1 << 18;

    [ThreadStatic] private static GemmJob? _job;

    /// <summary>
    /// Effectively computes c[i, j] = (accumulate ? c[i, j] : 0) + sum_p op(a)[i, p] * op(b)[p, j],
    /// where op(a) is a (m x k) or its transpose, op(b) is b (k x n) or its transpose.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate = false) =>
        Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, default, relu: false);

    /// <summary>
    /// As <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/>,
    /// then c[i, j] += bias[j] (when bias is not empty) and c[i, j] = max(c[i, j], 0) (when relu), applied
    /// to each block of rows while it is still in cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate,
        ReadOnlySpan<float> bias, bool relu)
    {
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"Gemm bias has {bias.Length} values for {n} columns.");
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"Gemm sizes must be non-negative, received m={m}, n={n}, k={k}.");
        if (m == 0 || n == 0) return;
        CheckOperand(nameof(a), a.Length, transA ? k : m, transA ? m : k, lda);
        CheckOperand(nameof(b), b.Length, transB ? n : k, transB ? k : n, ldb);
        CheckOperand(nameof(c), c.Length, m, n, ldc);
        if (k == 0)
        {
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, n);
                if (!accumulate) row.Clear();
                Epilogue.Apply(row, bias, relu);
            }
            return;
        }
        var job = _job ??= new GemmJob();
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
            job.Execute(KernelIsa.Active, transA, transB, m, n, k, pa, lda, null, null, pb, ldb, pc, ldc, accumulate, bias.IsEmpty ? null : pbias, relu);
    }

    /// <summary>
    /// As <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool, ReadOnlySpan{float}, bool)"/>
    /// with A a convolution's patch matrix read where it lies in the input (<see cref="PatchOffsets"/>): P[r, q] =
    /// input[rowOffsets[r] + colOffsets[q]], and op(A) is P (m = rows, k = columns) or, when
    /// <paramref name="transposed"/>, its transpose (m = columns, k = rows). The same bits as the product of
    /// the im2col copy of P.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyPatches(bool transposed, int n, ReadOnlySpan<float> input, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> colOffsets,
        ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> bias, bool relu)
    {
        int m = transposed ? colOffsets.Length : rowOffsets.Length, k = transposed ? rowOffsets.Length : colOffsets.Length;
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"Gemm bias has {bias.Length} values for {n} columns.");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), $"Gemm sizes must be non-negative, received n={n}.");
        if (m == 0 || n == 0) return;
        CheckPatchOffsets(input.Length, rowOffsets, colOffsets);
        CheckOperand(nameof(b), b.Length, k, n, ldb);
        CheckOperand(nameof(c), c.Length, m, n, ldc);
        if (k == 0)
        {
            Multiply(false, false, m, n, 0, [], 0, [], n, c, ldc, accumulate, bias, relu);
            return;
        }
        var job = _job ??= new GemmJob();
        fixed (float* pa = input, pb = b, pc = c, pbias = bias)
        fixed (int* rows = rowOffsets, cols = colOffsets)
            job.Execute(KernelIsa.Active, transposed, false, m, n, k, pa, 0, rows, cols, pb, ldb, pc, ldc, accumulate, bias.IsEmpty ? null : pbias, relu);
    }

    /// <summary>Every patch value's place, the largest row offset plus the largest column offset, must lie inside the input.</summary>
    private static void CheckPatchOffsets(int inputLength, ReadOnlySpan<int> rowOffsets, ReadOnlySpan<int> colOffsets)
    {
        if (rowOffsets.IsEmpty || colOffsets.IsEmpty) return;
        int rowMin = int.MaxValue, rowMax = int.MinValue, colMin = int.MaxValue, colMax = int.MinValue;
        foreach (int r in rowOffsets) { rowMin = Math.Min(rowMin, r); rowMax = Math.Max(rowMax, r); }
        foreach (int q in colOffsets) { colMin = Math.Min(colMin, q); colMax = Math.Max(colMax, q); }
        if (rowMin < 0 || colMin < 0 || (long)rowMax + colMax >= inputLength)
            throw new ArgumentException($"Gemm patch offsets reach [{(long)rowMin + colMin}, {(long)rowMax + colMax}], outside an input of {inputLength} values.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CheckOperand(string name, int length, int rows, int cols, int ld)
    {
        if (ld < cols) throw new ArgumentException($"Gemm operand `{name}` has leading dimension {ld}, less than its {cols} columns.");
        long needed = rows == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed) throw new ArgumentException($"Gemm operand `{name}` ({rows} x {cols}, ld {ld}) needs {needed} values, received {length}.");
    }

    /// <summary>How k is cut into chunks summed in a fixed order: only when rows are too few to share.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int KChunks(int m, int k, int mc)
    {
        int mBlocks = (m + mc - 1) / mc;
        if (mBlocks >= 4 || k < 2 * KChunkTarget) return 1;
        return Math.Min(MaxKChunks, k / KChunkTarget);
    }

    /// <summary>Whether a product of m rows over k terms sums each output in one pass of k blocks, without k chunks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool SumsInOneChunk(int m, int k) => KChunkPlan(KernelIsa.Active, m, k).Chunks == 1;

    /// <summary>The k chunks of a product of m rows over k terms: how many, and how many Kc blocks each holds (the last may hold fewer).</summary>
    internal static (int Chunks, int BlocksPerChunk) KChunkPlan(Isa isa, int m, int k)
    {
        int blocks = (k + Kc - 1) / Kc;
        int chunks = Math.Max(1, Math.Min(KChunks(m, k, CanonicalMc(isa)), blocks));
        int perChunk = (blocks + chunks - 1) / chunks;
        return ((blocks + perChunk - 1) / perChunk, perChunk);
    }

    /// <summary>The row block that k chunks follow: a multiple of the tile height near <see cref="McTarget"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CanonicalMc(Isa isa)
    {
        int mr = GemmMicroKernels.TileFor(isa).Mr;
        return Math.Max(mr, McTarget / mr * mr);
    }

    /// <summary>
    /// Column blocks per row task: 1, unless there are fewer row tasks than 16 a thread and they do not share evenly,
    /// then the fewest (up to one a thread) that make the tasks a multiple of the threads. The portable path packs A
    /// in each task, so it is not cut.
    /// </summary>
    internal static int ColumnBlocks(Isa isa, int rowTasks, int panels, int threads)
    {
        if (isa == Isa.Portable || threads < 2 || rowTasks % threads == 0 || rowTasks >= 16 * threads) return 1;
        for (int blocks = 2; blocks <= Math.Min(threads, panels); blocks++)
            if (rowTasks * blocks % threads == 0) return blocks;
        return 1;
    }

    /// <summary>
    /// Rows per task: at most <paramref name="maxRows"/>, a multiple of <paramref name="mr"/>, and as many
    /// tasks as a multiple of the thread count, so that 128 rows split 64/64 rather than 96/32.
    /// </summary>
    internal static int BalancedRowBlock(int m, int maxRows, int mr, int threads)
    {
        int tasks = (m + maxRows - 1) / maxRows;
        tasks = (tasks + threads - 1) / threads * threads;
        int rows = (m + tasks - 1) / tasks;
        return Math.Min(maxRows, Math.Max(mr, (rows + mr - 1) / mr * mr));
    }

    private sealed class GemmJob : ParallelJob
    {
        private Isa _isa;
        private bool _transA, _transB, _accumulate;
        private int _m, _n, _k, _lda, _ldb, _ldc, _mr, _nr, _mc, _mBlocks, _nPanels, _kBlocks, _kChunks, _blocksPerChunk;
        /// <summary>How many column blocks a row block's task is cut into, each of <see cref="_panelsPerBlock"/> panels.</summary>
        private int _nBlocks, _panelsPerBlock;
        private float* _a, _b, _c, _bias;
        /// <summary>Set when A is a patch matrix read in place: P[r, q] = _a[_rowOffsets[r] + _colOffsets[q]].</summary>
        private int* _rowOffsets, _colOffsets;
        private bool _relu;
        private bool _bInPlace;
        private float[] _packedB = [];
        private float[] _partials = [];
        private float* _pb, _pp;
        private int _phase;
        /// <summary>How many tasks a k block of a transposed B is packed in.</summary>
        private int _panelGroups = 1;
        private const int PanelGroups = 4;

        private float[][] _packedA = [];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(Isa isa, bool transA, bool transB, int m, int n, int k,
            float* a, int lda, int* rowOffsets, int* colOffsets, float* b, int ldb, float* c, int ldc, bool accumulate, float* bias, bool relu)
        {
            _bias = bias; _relu = relu;
            _rowOffsets = rowOffsets; _colOffsets = colOffsets;
            (_mr, _nr) = GemmMicroKernels.TileFor(isa);
            _isa = isa; _transA = transA; _transB = transB; _accumulate = accumulate;
            _m = m; _n = n; _k = k; _lda = lda; _ldb = ldb; _ldc = ldc; _a = a; _b = b; _c = c;
            // k chunks change the order of the sums, so they follow the canonical block height alone; how
            // rows are cut into tasks does not, so it is free to balance them over the threads.
            int canonicalMc = CanonicalMc(isa);
            _nPanels = (n + _nr - 1) / _nr;
            _kBlocks = (k + Kc - 1) / Kc;
            (_kChunks, _blocksPerChunk) = KChunkPlan(isa, m, k);
            long multiplyAdds = (long)m * n * k;
            // Rows too few for a tile a thread (the CNN's third convolution at batch 1: 9 positions, which rows would
            // split 8 and 1) are cut by columns alone, each thread all the rows of its panels.
            bool fewRows = isa != Isa.Portable && m < _mr * WorkerPool.Threads && m <= canonicalMc && _nPanels > 1 && multiplyAdds >= ParallelColumnMultiplyAdds;
            _mc = fewRows ? (m + _mr - 1) / _mr * _mr : BalancedRowBlock(m, canonicalMc, _mr, WorkerPool.Threads);
            _mBlocks = (m + _mc - 1) / _mc;
            // Few row tasks that the threads cannot share evenly (a kernel gradient: 3 row blocks x 3 k chunks on two
            // threads) are cut by columns too. Which panel a task computes never changes a sum.
            _nBlocks = fewRows ? Math.Min(_nPanels, WorkerPool.Threads) : ColumnBlocks(isa, _kChunks * _mBlocks, _nPanels, WorkerPool.Threads);
            _panelsPerBlock = (_nPanels + _nBlocks - 1) / _nBlocks;

            int slots = WorkerPool.SlotCount;
            if (_packedA.Length < slots) Array.Resize(ref _packedA, slots);
            for (int s = 0; s < slots; s++)
                if (_packedA[s] == null || _packedA[s].Length < canonicalMc * Kc) _packedA[s] = new float[canonicalMc * Kc];

            int packedBLength = k * _nPanels * _nr;
            if (_packedB.Length < packedBLength) _packedB = new float[packedBLength];
            int partialLength = _kChunks > 1 ? _kChunks * m * n : 0;
            if (_partials.Length < partialLength) _partials = new float[partialLength];

            // A row-major B is read in place, a panel of NR columns with stride ldb; only a transposed B and
            // the last, narrower panel are packed.
            _bInPlace = !transB && isa != Isa.Portable;
            bool packAny = !_bInPlace || n % _nr != 0;
            fixed (float* pb = _packedB, pp = _partials)
            {
                _pb = pb; _pp = pp;
                // A small product takes microseconds: waking the other thread would cost about as much as
                // it saves. Which thread runs a task never changes the bits.
                bool parallel = multiplyAdds >= (fewRows ? ParallelColumnMultiplyAdds : ParallelMultiplyAdds);
                _phase = 0;
                // A transposed B is packed a few panels a task, so that both threads share even a single k block of
                // it (the input gradient of a dense layer: 64 terms, 576 columns).
                _panelGroups = _transB ? Math.Min(_nPanels, PanelGroups) : 1;
                if (packAny) RunPhase(_kBlocks * _panelGroups, parallel);
                _phase = 1;
                RunPhase(_kChunks * _mBlocks * _nBlocks, parallel);
                if (_kChunks > 1)
                {
                    _phase = 2;
                    RunPhase((m + 63) / 64, parallel);
                }
            }
            _a = _b = _c = _pb = _pp = _bias = null;
            _rowOffsets = _colOffsets = null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunPhase(int tasks, bool parallel)
        {
            if (parallel) WorkerPool.Run(this, tasks);
            else for (int t = 0; t < tasks; t++) Run(t);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int task)
        {
            switch (_phase)
            {
                case 0: PackB(task / _panelGroups, task % _panelGroups); break;
                case 1: Compute(task / _nBlocks / _mBlocks, task / _nBlocks % _mBlocks, task % _nBlocks); break;
                default: Reduce(task); break;
            }
        }

        /// <summary>Packs group <paramref name="group"/> of the n-panels of k-block kb of op(B), each kcLen x NR, zero-padded on the right.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackB(int kb, int group)
        {
            int k0 = kb * Kc, kcLen = Math.Min(Kc, _k - k0), nr = _nr;
            float* dst = _pb + (long)k0 * _nPanels * nr;
            int jpStart = (int)((long)_nPanels * group / _panelGroups), jpEnd = (int)((long)_nPanels * (group + 1) / _panelGroups);
            for (int jp = jpStart; jp < jpEnd; jp++)
            {
                int j0 = jp * nr, width = Math.Min(nr, _n - j0);
                if (_bInPlace && width == nr) continue;
                float* panel = dst + (long)jp * kcLen * nr;
                if (!_transB)
                {
                    for (int p = 0; p < kcLen; p++)
                    {
                        float* src = _b + (long)(k0 + p) * _ldb + j0;
                        float* row = panel + p * nr;
                        new ReadOnlySpan<float>(src, width).CopyTo(new Span<float>(row, width));
                        if (width < nr) new Span<float>(row + width, nr - width).Clear();
                    }
                }
                else
                {
                    if (width < nr) new Span<float>(panel, kcLen * nr).Clear();
                    // Transposed in 8 x 8 blocks: element by element, each value went a panel row (NR floats) apart.
                    Transposes.Transpose(_b + (long)j0 * _ldb + k0, width, kcLen, _ldb, panel, nr);
                }
            }
        }

        /// <summary>Packs rows [i0, i0 + rows) x k-block of op(A) as m-panels of kcLen x MR.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PackA(float* dst, int i0, int rows, int k0, int kcLen)
        {
            int mr = _mr;
            for (int ip = 0; ip < rows; ip += mr)
            {
                int height = Math.Min(mr, rows - ip);
                float* panel = dst + (long)ip * kcLen;
                if (height < mr) new Span<float>(panel, kcLen * mr).Clear();
                if (_rowOffsets != null)
                {
                    // op(A)[i, p] is P[i, p], or P[p, i] when transposed.
                    int* iOffsets = (_transA ? _colOffsets : _rowOffsets) + i0 + ip, pOffsets = (_transA ? _rowOffsets : _colOffsets) + k0;
                    for (int i = 0; i < height; i++)
                    {
                        float* src = _a + iOffsets[i];
                        for (int p = 0; p < kcLen; p++) panel[p * mr + i] = src[pOffsets[p]];
                    }
                }
                else if (!_transA)
                {
                    for (int i = 0; i < height; i++)
                    {
                        float* src = _a + (long)(i0 + ip + i) * _lda + k0;
                        for (int p = 0; p < kcLen; p++) panel[p * mr + i] = src[p];
                    }
                }
                else
                {
                    for (int p = 0; p < kcLen; p++)
                    {
                        float* src = _a + (long)(k0 + p) * _lda + i0 + ip;
                        float* row = panel + p * mr;
                        for (int i = 0; i < height; i++) row[i] = src[i];
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Compute(int chunk, int mBlock, int nBlock)
        {
            int jpStart = nBlock * _panelsPerBlock, jpEnd = Math.Min(_nPanels, jpStart + _panelsPerBlock);
            int i0 = mBlock * _mc, rows = Math.Min(_mc, _m - i0), mr = _mr, nr = _nr;
            var packedA = _packedA[WorkerPool.CurrentSlot];

            bool partial = _kChunks > 1;
            float* cBase = partial ? _pp + (long)chunk * _m * _n : _c;
            int ldc = partial ? _n : _ldc;
            int kbStart = chunk * _blocksPerChunk, kbEnd = Math.Min(_kBlocks, kbStart + _blocksPerChunk);
            float* tile = stackalloc float[mr * nr];

            fixed (float* pa = packedA)
            {
                for (int kb = kbStart; kb < kbEnd; kb++)
                {
                    int k0 = kb * Kc, kcLen = Math.Min(Kc, _k - k0);
                    bool add = kb > kbStart || (_accumulate && !partial);
                    // A is read in place: row-major a row per register, transposed (the layout of a packed
                    // panel, with stride lda) a broadcast per element; only the last, partial panel is packed.
                    bool inPlace = _isa != Isa.Portable;
                    int fullRows = rows / mr * mr;
                    if (!inPlace) PackA(pa, i0, rows, k0, kcLen);
                    else
                    {
                        if (fullRows < rows) PackA(pa + (long)fullRows * kcLen, i0 + fullRows, rows - fullRows, k0, kcLen);
                        // A transposed patch tile is read in place only where its values lie side by side.
                        if (_rowOffsets != null && _transA)
                            for (int ip = 0; ip < fullRows; ip += mr)
                                if (!PatchColumnsAdjacent(i0 + ip)) PackA(pa + (long)ip * kcLen, i0 + ip, mr, k0, kcLen);
                    }
                    float* bBlock = _pb + (long)k0 * _nPanels * nr;
                    for (int jp = jpStart; jp < jpEnd; jp++)
                    {
                        int j0 = jp * nr, width = Math.Min(nr, _n - j0);
                        bool bInPlace = _bInPlace && width == nr;
                        float* bPanel = bInPlace ? _b + (long)k0 * _ldb + j0 : bBlock + (long)jp * kcLen * nr;
                        int bStride = bInPlace ? _ldb : nr;
                        for (int ip = 0; ip < rows; ip += mr)
                        {
                            int height = Math.Min(mr, rows - ip);
                            float* aPanel = pa + (long)ip * kcLen;
                            float* cTile = cBase + (long)(i0 + ip) * ldc + j0;
                            if (height == 1 && width == nr && _isa == Isa.Avx512)
                            {
                                // One row left (121 = 15 x 8 + 1 positions of the CNN's second convolution at batch 1, 9 of
                                // its third): its 32 sums alone, rather than a whole tile's 256; each in the same order.
                                GemmMicroKernels.Avx512Row(kcLen, aPanel, mr, bPanel, bStride, cTile, add);
                                continue;
                            }
                            // A full tile goes straight to C; an edge tile into a scratch tile, then its valid part.
                            bool full = height == mr && width == nr;
                            float* dst = full ? cTile : tile;
                            int ldd = full ? ldc : nr;
                            bool addDst = full && add;
                            if (inPlace && height == mr && _rowOffsets != null && !_transA)
                                TileRows(kcLen, _a, new Table(_rowOffsets + i0 + ip), new Table(_colOffsets + k0), bPanel, bStride, dst, ldd, addDst);
                            else if (inPlace && height == mr && _rowOffsets != null && PatchColumnsAdjacent(i0 + ip))
                                Tile(kcLen, _a + _colOffsets[i0 + ip], new Table(_rowOffsets + k0), bPanel, bStride, dst, ldd, addDst);
                            else if (inPlace && height == mr && _rowOffsets == null && _transA)
                                Tile(kcLen, _a + (long)k0 * _lda + i0 + ip, new Strided(_lda), bPanel, bStride, dst, ldd, addDst);
                            else if (inPlace && height == mr && _rowOffsets == null)
                                TileRows(kcLen, _a + (long)(i0 + ip) * _lda + k0, new Strided(_lda), default(Consecutive), bPanel, bStride, dst, ldd, addDst);
                            else Tile(kcLen, aPanel, new Strided(mr), bPanel, bStride, dst, ldd, addDst);
                            if (!full) StoreEdgeTile(tile, nr, cTile, ldc, height, width, add);
                        }
                    }
                }
            }
            if (!partial) ApplyEpilogue(i0, i0 + rows, jpStart * nr, Math.Min(_n, jpEnd * nr));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void StoreEdgeTile(float* tile, int nr, float* c, int ldc, int height, int width, bool add)
        {
            for (int i = 0; i < height; i++)
            for (int j = 0; j < width; j++)
            {
                float v = tile[i * nr + j];
                c[i * ldc + j] = add ? c[i * ldc + j] + v : v;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ApplyEpilogue(int i0, int i1, int j0, int j1)
        {
            Epilogue.Apply(_c + (long)i0 * _ldc + j0, _ldc, i1 - i0, j1 - j0, _bias == null ? null : _bias + j0, _relu);
        }

        /// <summary>Whether the tile's patch columns from <paramref name="first"/> lie one after another in the input.</summary>
        private bool PatchColumnsAdjacent(int first)
        {
            int start = _colOffsets[first];
            for (int i = 1; i < _mr; i++)
                if (_colOffsets[first + i] != start + i) return false;
            return true;
        }

        /// <summary>A tile from A's 8 (or 6) rows read in place: row i at a + rows.At(i), its term p columns.At(p) further on.</summary>
        private void TileRows<TRows, TColumns>(int kc, float* a, TRows rows, TColumns columns, float* b, int bStride, float* c, int ldc, bool add)
            where TRows : struct, GemmMicroKernels.IOffsets where TColumns : struct, GemmMicroKernels.IOffsets
        {
            if (_isa == Isa.Avx512) GemmMicroKernels.Avx512TileRows(kc, a, rows, columns, b, bStride, c, ldc, add);
            else GemmMicroKernels.Avx2TileRows(kc, a, rows, columns, b, bStride, c, ldc, add);
        }

        /// <summary>A tile from A's values of term p side by side at a + terms.At(p), and B's b[p * bStride + j]; the portable kernel only takes packed panels.</summary>
        private void Tile<TTerms>(int kc, float* a, TTerms terms, float* b, int bStride, float* c, int ldc, bool add)
            where TTerms : struct, GemmMicroKernels.IOffsets
        {
            switch (_isa)
            {
                case Isa.Avx512: GemmMicroKernels.Avx512Tile(kc, a, terms, b, bStride, c, ldc, add); break;
                case Isa.Avx2: GemmMicroKernels.Avx2Tile(kc, a, terms, b, bStride, c, ldc, add); break;
                default: GemmMicroKernels.PortableTile(kc, a, b, c, ldc, add); break;
            }
        }

        /// <summary>Sums the k-chunk partials of 64 rows into C, chunk 0 first.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Reduce(int task)
        {
            int i0 = task * 64, i1 = Math.Min(_m, i0 + 64), n = _n;
            for (int i = i0; i < i1; i++)
            {
                var dst = new Span<float>(_c + (long)i * _ldc, n);
                var first = new ReadOnlySpan<float>(_pp + (long)i * n, n);
                if (_accumulate) ExactSpans.AddTo(dst, first);
                else first.CopyTo(dst);
                for (int chunk = 1; chunk < _kChunks; chunk++)
                {
                    var part = new ReadOnlySpan<float>(_pp + (long)chunk * _m * n + (long)i * n, n);
                    ExactSpans.AddTo(dst, part);
                }
            }
            ApplyEpilogue(i0, i1, 0, _n);
        }
    }
}
