using Tailor.Models;

namespace Tailor.Serialization;

/// <summary>
/// <c>model.Save(path)</c>, <c>Sequential.Load(path)</c> and <c>Model.Load(path)</c>: a model's safetensors file, as members of
/// the models where this namespace is imported. They live here, not in the model, so that
/// the models know nothing of files (Serialization depends on Models, not the other way).
/// </summary>
public static class SequentialFiles
{
    extension(Model model)
    {
        /// <summary>
        /// Writes the model to one .safetensors file (architecture, compile settings, weights and, with
        /// <paramref name="includeOptimizer"/>, the optimizer's state), atomically. See <see cref="ModelFile"/>.
        /// Thread-safe: it waits for a Fit or Predict running on the model.
        /// </summary>
        public void Save(string path, bool includeOptimizer = true)
        {
            using var held = model.EnterLock();
            ModelFile.Save(model, path, includeOptimizer);
        }
    }

    extension(Sequential)
    {
        /// <summary>Reads a model written by Save; a damaged or foreign file is a <see cref="ModelFormatException"/>.</summary>
        public static Sequential Load(string path) => ModelFile.Load(path);
    }
}

/// <summary><c>Model.Load(path)</c>: a model file of either kind, functional or Sequential.</summary>
public static class ModelFiles
{
    extension(Model)
    {
        /// <summary>Reads a model file of either kind, a functional model's or a Sequential's (see <see cref="ModelFile.LoadModel(string)"/>).</summary>
        public static Model Load(string path) => ModelFile.LoadModel(path);
    }

}
