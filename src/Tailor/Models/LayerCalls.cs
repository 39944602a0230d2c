using Tailor.Layers;

namespace Tailor.Models;

/// <summary>
/// <c>layer.Call(x)</c>, Keras's <c>layer(x)</c> on symbolic tensors: the step that builds a functional model.
/// The output shape is worked out at once, so a layer that cannot take its inputs fails here, naming them.
/// </summary>
public static class LayerCalls
{
    extension(Layer layer)
    {
        /// <summary>
        /// The symbolic output of <paramref name="layer"/> on <paramref name="inputs"/>: one for most layers, two or more
        /// for the merge layers (<c>new Add().Call(x, shortcut)</c>). Calling one layer twice shares it: both calls use the
        /// same weights.
        /// </summary>
        public SymbolicTensor Call(params SymbolicTensor[] inputs)
        {
            ArgumentNullException.ThrowIfNull(layer);
            ArgumentNullException.ThrowIfNull(inputs);
            if (inputs.Length == 0) throw new ArgumentException($"{layer.Describe()} was called on no tensors.", nameof(inputs));
            foreach (var input in inputs) ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            if (layer.IsBuilt || layer.Owner != null)
                throw new ArgumentException($"{layer.Describe()} already belongs to a built model; a functional model needs layers of its own. Create another layer.");
            int[] shape;
            try
            {
                shape = layer is MultiInputLayer merge
                    ? merge.ComputeOutputShape([.. inputs.Select(i => i.Shape.ToArray())])
                    : inputs.Length == 1 ? layer.ComputeOutputShape(inputs[0].Shape)
                    : throw new ArgumentException($"it takes one input, received {inputs.Length}.");
            }
            catch (ArgumentException e)
            {
                string received = string.Join("; ", inputs.Select((input, i) => $"input {i} is {input.Describe()}"));
                throw new ArgumentException($"{layer.Describe()} cannot be called on its inputs ({received}): {e.Message}", nameof(inputs), e);
            }
            return SymbolicTensor.Called(layer, inputs, shape);
        }
    }
}
