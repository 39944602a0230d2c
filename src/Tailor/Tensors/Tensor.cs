using System.Runtime.CompilerServices;
using System.Text;

namespace Tailor.Tensors;

/// <summary>
/// A dense float32 tensor, row-major, images channels-last (N, H, W, C) as in Keras.
/// The buffer may be larger than the shape needs: layers size their buffers once for the largest
/// batch and reuse them for smaller ones.
/// </summary>
public sealed class Tensor
{
    private readonly float[] _data;
    private readonly int[] _shape;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Tensor(params int[] shape) : this(new float[CheckedLength(shape)], shape) { }

    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        long length = CheckedLength(shape);
        if (length > data.Length)
            throw new ArgumentException($"A tensor of shape {Format(shape)} needs {length} values, the buffer holds {data.Length}.");
        _data = data;
        _shape = (int[])shape.Clone();
        Length = (int)length;
    }

    /// <summary>The dimensions, batch first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    public int Rank => _shape.Length;

    /// <summary>Number of values the shape covers.</summary>
    public int Length { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>The values the shape covers.</summary>
    public Span<float> Span => _data.AsSpan(0, Length);

    /// <summary>The backing array; may be longer than <see cref="Length"/>.</summary>
    public float[] Buffer => _data;

    /// <summary>Values per item of the leading (batch) dimension.</summary>
    public int ItemLength => Rank == 0 ? 1 : (_shape[0] == 0 ? SizeOf(_shape.AsSpan(1)) : Length / _shape[0]);

    public float this[params int[] index]
    {
        get => _data[Offset(index)];
        set => _data[Offset(index)] = value;
    }

    public static Tensor FromArray(float[] data, params int[] shape) => new(data, shape);

    public Tensor Clone()
    {
        var copy = new float[Length];
        Span.CopyTo(copy);
        return new Tensor(copy, _shape);
    }

    /// <summary>A tensor over the same values with another shape of the same length.</summary>
    public Tensor Reshape(params int[] shape)
    {
        int inferred = Array.IndexOf(shape, -1);
        if (inferred >= 0)
        {
            shape = (int[])shape.Clone();
            shape[inferred] = 1;
            shape[inferred] = Length / (int)CheckedLength(shape);
        }
        if (CheckedLength(shape) != Length)
            throw new ArgumentException($"Cannot reshape a tensor of shape {ShapeString} ({Length} values) to {Format(shape)}.");
        return new Tensor(_data, shape);
    }

    /// <summary>Copies of rows [start, start + count) of the leading dimension.</summary>
    public Tensor Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + count}) is outside the {_shape[0]} items of a tensor of shape {ShapeString}.");
        int item = ItemLength;
        var shape = (int[])_shape.Clone();
        shape[0] = count;
        var data = new float[count * item];
        _data.AsSpan(start * item, count * item).CopyTo(data);
        return new Tensor(data, shape);
    }

    /// <summary>Copies of the given rows of the leading dimension, in that order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Tensor Gather(ReadOnlySpan<int> rows)
    {
        int item = ItemLength;
        var shape = (int[])_shape.Clone();
        shape[0] = rows.Length;
        var data = new float[rows.Length * item];
        for (int i = 0; i < rows.Length; i++)
            _data.AsSpan(rows[i] * item, item).CopyTo(data.AsSpan(i * item));
        return new Tensor(data, shape);
    }

    /// <summary>Sets the leading dimension in place; the buffer must be large enough.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void SetBatch(int batch)
    {
        int item = ItemLength;
        if ((long)batch * item > _data.Length)
            throw new InvalidOperationException($"Buffer of {_data.Length} values cannot hold a batch of {batch} x {item}.");
        _shape[0] = batch;
        Length = batch * item;
    }

    public string ShapeString => Format(_shape);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Format(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        if (shape.Length == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }

    public override string ToString() => $"Tensor{ShapeString}";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Offset(int[] index)
    {
        if (index.Length != _shape.Length)
            throw new ArgumentException($"Index of rank {index.Length} for a tensor of shape {ShapeString}.");
        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i])
                throw new IndexOutOfRangeException($"Index {index[i]} on axis {i} is outside a tensor of shape {ShapeString}.");
            offset = offset * _shape[i] + index[i];
        }
        return offset;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int SizeOf(ReadOnlySpan<int> shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long CheckedLength(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Tensor dimensions must be non-negative, received {Format(shape)}.");
            n *= d;
            if (n > int.MaxValue) throw new ArgumentException($"Tensor of shape {Format(shape)} exceeds {int.MaxValue} values.");
        }
        return n;
    }
}
