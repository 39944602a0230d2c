namespace Tailor.Data;

/// <summary>
/// CPython's <c>random</c> module, as far as the notebook uses it: <c>random.seed(n)</c> for an integer
/// and <c>random.sample(range(n), k)</c>. With it Tailor draws exactly the notebook's (and the PyTorch
/// peer's) sample of Fashion-MNIST, so accuracies compare on the same images. MT19937 seeded by
/// <c>init_by_array</c> over the seed's 32-bit words, <c>_randbelow</c> by rejection on
/// <c>getrandbits</c>, and <c>sample</c>'s two strategies (a shrinking pool, or a set of picks), all as
/// in CPython 3.
/// </summary>
public sealed class PythonRandom
{
    private const int N = 624;
    private const int M = 397;
    private readonly uint[] _state = new uint[N];
    private int _index;

    /// <summary><c>random.seed(seed)</c> for a non-negative integer.</summary>
    public PythonRandom(ulong seed)
    {
        // CPython hashes |seed| into 32-bit words, least significant first; zero is the single word 0.
        uint[] key = seed >> 32 == 0 ? [(uint)seed] : [(uint)seed, (uint)(seed >> 32)];
        InitByArray(key);
    }

    /// <summary><c>random.getrandbits(32)</c>: the next tempered MT19937 output.</summary>
    public uint NextUInt32()
    {
        if (_index >= N) Twist();
        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary><c>random._randbelow(n)</c>: uniform in [0, n) by rejection on the bit length of n.</summary>
    public int Below(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"Expected a positive bound, received {n}.");
        int bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        while (true)
        {
            int r = (int)(NextUInt32() >> (32 - bits));
            if (r < n) return r;
        }
    }

    /// <summary><c>random.sample(range(population), count)</c>.</summary>
    public int[] Sample(int population, int count)
    {
        if (population < 0)
            throw new ArgumentOutOfRangeException(nameof(population), $"Expected a non-negative population, received {population}.");
        if (count < 0 || count > population)
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot sample {count} distinct positions out of {population}; expected 0 to {population}.");

        var result = new int[count];
        // CPython picks the strategy by comparing the population with the size of a set of the picks.
        long setSize = 21;
        if (count > 5) setSize += (long)Math.Pow(4, Math.Ceiling(Math.Log(count * 3.0, 4)));
        if (population <= setSize)
        {
            var pool = new int[population];
            for (int i = 0; i < population; i++) pool[i] = i;
            for (int i = 0; i < count; i++)
            {
                int j = Below(population - i);
                result[i] = pool[j];
                pool[j] = pool[population - i - 1];
            }
        }
        else
        {
            var selected = new HashSet<int>();
            for (int i = 0; i < count; i++)
            {
                int j = Below(population);
                while (!selected.Add(j)) j = Below(population);
                result[i] = j;
            }
        }
        return result;
    }

    private void InitByArray(uint[] key)
    {
        InitGenRand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            _state[i] = (_state[i] ^ ((_state[i - 1] ^ (_state[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { _state[0] = _state[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            _state[i] = (_state[i] ^ ((_state[i - 1] ^ (_state[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { _state[0] = _state[N - 1]; i = 1; }
        }
        _state[0] = 0x80000000u;
        _index = N;
    }

    private void InitGenRand(uint seed)
    {
        _state[0] = seed;
        for (int i = 1; i < N; i++)
            _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
    }

    private void Twist()
    {
        for (int k = 0; k < N; k++)
        {
            uint y = (_state[k] & 0x80000000u) | (_state[(k + 1) % N] & 0x7fffffffu);
            _state[k] = _state[(k + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
        }
        _index = 0;
    }
}
