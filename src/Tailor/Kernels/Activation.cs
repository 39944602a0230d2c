namespace Tailor.Kernels;

/// <summary>Activation functions, by Keras's names (parsed with <see cref="Activations.Parse"/>).</summary>
public enum Activation
{
    Linear,
    Relu,
    Sigmoid,
    Tanh,
    Softmax,
    Elu,
    LeakyRelu,
    Gelu,
}
