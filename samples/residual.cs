#:project ../src/Tailor.Datasets/Tailor.Datasets.csproj
#:property InvariantGlobalization=true
// Compile each method fully optimised at once (see docs/performance.md).
#:property TieredCompilation=false
// A file-based program turns off reflection-based JSON, which model files use for their metadata.
#:property JsonSerializerIsReflectionEnabledByDefault=true

// A small residual network on Tailor's functional API, as a Keras user writes one with keras.Input,
// layer(x) and keras.Model(inputs, outputs). Run from the repository root:
//
//     dotnet run -c Release samples/residual.cs             10 epochs on the notebook's sample
//     dotnet run -c Release samples/residual.cs -- --quick  2 epochs
//
// The model goes to out/residual-sample/model.safetensors.

using Tailor.Data;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Models;
using Tailor.Serialization;

bool quick = args.Contains("--quick");
string outDir = Path.Combine("out", "residual-sample");
Directory.CreateDirectory(outDir);

var location = new DataLocator().Locate();
var sample = FashionSample.Draw(FashionMnist.Load(location.Directory), FashionSampleOptions.Notebook);
var (train, validation, test) = (sample.Train, sample.Validation, sample.Test);

// A residual block: two 3x3 convolutions whose output is added to the block's input, so that the block
// learns a correction to it (He et al., 2016). BatchNormalization before each ReLU; its moving averages follow
// the batches with momentum 0.9 rather than Keras's 0.99, so that they keep up within a few hundred steps.
static SymbolicTensor ResidualBlock(SymbolicTensor x, int filters)
{
    var y = new Conv2D(filters, 3, padding: Padding.Same, useBias: false).Call(x);
    y = new ActivationLayer(Activation.Relu).Call(new BatchNormalization(momentum: 0.9f).Call(y));
    y = new Conv2D(filters, 3, padding: Padding.Same, useBias: false).Call(y);
    y = new BatchNormalization(momentum: 0.9f).Call(y);
    return new ActivationLayer(Activation.Relu).Call(new Add().Call(x, y));
}

var inputs = new Input([28, 28, 1], "image");
var x = new Conv2D(32, 3, padding: Padding.Same, activation: Activation.Relu).Call(inputs);
x = ResidualBlock(x, 32);
x = new MaxPooling2D(2).Call(x);
x = new Conv2D(64, 3, padding: Padding.Same, activation: Activation.Relu).Call(x);
x = ResidualBlock(x, 64);
x = new GlobalAveragePooling2D().Call(x);
var outputs = new Dense(10, Activation.Softmax).Call(x);
var model = new Model(inputs, outputs, name: "small_resnet", seed: 1);
Console.WriteLine(model.Summary());

model.Compile("adam", "categorical_crossentropy", "accuracy");
model.Fit(train.Images, train.OneHot, epochs: quick ? 2 : 10, batchSize: 64,
    validationData: (validation.Images, validation.OneHot), seed: 2);
var score = model.Evaluate(test.Images, test.OneHot);
Console.WriteLine($"Test loss {score.Loss:F4}, test accuracy {score.Accuracy:F4}");

// One file holds the graph, the weights and the optimizer's state; Model.Load gives the same model back.
string path = Path.Combine(outDir, "model.safetensors");
model.Save(path);
var loaded = Model.Load(path);
Console.WriteLine($"Reloaded '{loaded.Name}': test accuracy {loaded.Evaluate(test.Images, test.OneHot).Accuracy:F4}");
