namespace Tailor.Models;

/// <summary><c>model.Call(x)</c>: a built model used as a layer of a functional model, as Keras's <c>model(x)</c>.</summary>
public static class ModelCalls
{
    extension(Model model)
    {
        /// <summary>
        /// The symbolic output of <paramref name="model"/> (built, one output) on <paramref name="inputs"/>, one per input
        /// of it: the new model runs its graph, trains its weights and lists it as one layer.
        /// </summary>
        public SymbolicTensor Call(params SymbolicTensor[] inputs)
        {
            ArgumentNullException.ThrowIfNull(model);
            if (!model.IsBuilt) throw new InvalidOperationException($"Model '{model.Name}' is not built, so it cannot be called as a layer; build it first.");
            var layer = new ModelLayer(model);
            var output = layer.Call(inputs);
            model.SetInputGradients(true);
            return output;
        }
    }
}
