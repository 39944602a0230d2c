using Tailor.Models;

namespace Tailor.Serialization;

/// <summary>
/// <c>model.Save(path)</c> and <c>Sequential.Load(path)</c>: a model's safetensors file, as members of
/// <see cref="Sequential"/> where this namespace is imported. They live here, not in the model, so that
/// the models know nothing of files (Serialization depends on Models, not the other way).
/// </summary>
public static class SequentialFiles
{
    extension(Sequential model)
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
