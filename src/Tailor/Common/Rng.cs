using System.Runtime.CompilerServices;
namespace Tailor.Common;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Hand-written instead of System.Random because its state
/// must be saved in checkpoints and restored bit for bit, which System.Random does not allow.
/// </summary>
public sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(ulong seed) => Reseed(seed);

    /// <summary>Restarts the stream as <c>new Rng(seed)</c> would, without allocating a new generator.</summary>
    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Restarts <paramref name="destination"/> on a stream keyed by this stream's state and three numbers, without
    /// advancing this one: the draws of one shard of one step (epoch, step, shard) whoever computes it.
    /// </summary>
    internal void Derive(Rng destination, ulong a, ulong b, ulong c)
    {
        ulong x = _s0 ^ RotateLeft(_s1, 16) ^ RotateLeft(_s2, 32) ^ RotateLeft(_s3, 48);
        ulong key = SplitMix(ref x);
        foreach (ulong part in (ReadOnlySpan<ulong>)[a, b, c])
        {
            x = key ^ part;
            key = SplitMix(ref x);
        }
        destination.Reseed(key);
    }

    public ulong NextULong() => Step(ref _s0, ref _s1, ref _s2, ref _s3);

    /// <summary>One xoshiro256** step: the output, and the state advanced.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1) with 24 bits, exactly representable as float.</summary>
    public float NextFloat() => ToFloat(NextULong());

    private static float ToFloat(ulong bits) => (bits >> 40) * (1.0f / (1 << 24));

    /// <summary>
    /// Fills <paramref name="destination"/> with what as many <see cref="NextFloat"/> calls would return,
    /// in order, with the state in registers rather than written back after every number.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillFloats(Span<float> destination)
    {
        ulong s0 = _s0, s1 = _s1, s2 = _s2, s3 = _s3;
        for (int i = 0; i < destination.Length; i++)
            destination[i] = ToFloat(Step(ref s0, ref s1, ref s2, ref s3));
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive), unbiased (Lemire's method).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        ulong range = (ulong)maxExclusive;
        while (true)
        {
            ulong x = NextULong() >> 32;
            ulong m = x * range;
            ulong low = m & 0xFFFFFFFF;
            if (low >= range || low >= ((0x1_0000_0000UL - range) % range)) return (int)(m >> 32);
        }
    }

    /// <summary>Standard normal sample (Box-Muller, one of the pair kept for simplicity of state).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A new generator whose stream is independent of this one's future draws.</summary>
    public Rng Split() => new(NextULong());

    /// <summary>A generator continuing from a state saved with <see cref="GetState"/>.</summary>
    public static Rng FromState(ReadOnlySpan<ulong> state)
    {
        var rng = new Rng(0);
        rng.SetState(state);
        return rng;
    }

    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException($"Rng state must have 4 words, received {state.Length}.");
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }
}
