#:project ../src/Tailor.Datasets/Tailor.Datasets.csproj
#:property InvariantGlobalization=true
// Compile each method fully optimised at once (see docs/performance.md).
#:property TieredCompilation=false
// A file-based program turns off reflection-based JSON, which model files use for their metadata.
#:property JsonSerializerIsReflectionEnabledByDefault=true

// A small pre-activation ResNet on Tailor's functional API, as a Keras user writes one with keras.Input,
// layer(x) and keras.Model(inputs, outputs), trained with SGD and Nesterov momentum, smoothed labels, padded
// random crops and a cosine schedule. It is the model of `tailor train --model resnet` (ResidualNetwork.Create),
// written out; the program checks that the two are the same. Run from the repository root:
//
//     dotnet run -c Release samples/residual.cs             10 epochs on the notebook's sample
//     dotnet run -c Release samples/residual.cs -- --quick  2 epochs
//
// The model goes to out/residual-sample/model.safetensors.

using Tailor.Augmentation;
using Tailor.Data;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Optimizers.Schedules;
using Tailor.Serialization;

bool quick = args.Contains("--quick");
string outDir = Path.Combine("out", "residual-sample");
Directory.CreateDirectory(outDir);

var location = new DataLocator().Locate();
var sample = FashionSample.Draw(FashionMnist.Load(location.Directory), FashionSampleOptions.Notebook);
var (train, validation, test) = (sample.Train, sample.Validation, sample.Test);

// BatchNormalization then ReLU, before each convolution ("pre-activation", He et al., 2016). Its moving averages
// follow the batches with momentum 0.9 rather than Keras's 0.99, so that they keep up within a few hundred steps.
static SymbolicTensor PreActivation(SymbolicTensor x) =>
    new ActivationLayer(Activation.Relu).Call(new BatchNormalization(momentum: 0.9f).Call(x));

// A basic block: two 3x3 convolutions added to the block's input, so that the block learns a correction to it.
// Where the block halves the image or widens it, a 1x1 convolution projects the shortcut to the new shape.
static SymbolicTensor Block(SymbolicTensor x, int filters, int stride)
{
    var activated = PreActivation(x);
    bool sameShape = stride == 1 && x.Shape[^1] == filters;
    var shortcut = sameShape ? x : new Conv2D(filters, 1, strides: stride, useBias: false).Call(activated);
    var y = new Conv2D(filters, 3, strides: stride, padding: Padding.Same, useBias: false).Call(activated);
    y = new Conv2D(filters, 3, padding: Padding.Same, useBias: false).Call(PreActivation(y));
    return new Add().Call(shortcut, y);
}

var inputs = new Input([28, 28, 1], "image");
var x = new Conv2D(16, 3, padding: Padding.Same, useBias: false).Call(inputs);
x = Block(x, 16, stride: 1);                    // 28x28x16
x = Block(x, 32, stride: 2);                    // 14x14x32
x = Block(x, 64, stride: 2);                    // 7x7x64
x = new GlobalAveragePooling2D().Call(PreActivation(x));
var outputs = new Dense(10, Activation.Softmax).Call(x);
var model = new Model(inputs, outputs, name: "resnet", seed: 1);
Console.WriteLine(model.Summary());

// The same layers, shapes and initial weights as the CLI's model: a change to one without the other fails here.
var library = ResidualNetwork.Create([28, 28, 1], 10, seed: 1);
if (library.Summary() != model.Summary() || !library.GetWeights().Zip(model.GetWeights()).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
{
    Console.Error.WriteLine("samples/residual.cs: this model differs from ResidualNetwork.Create (tailor train --model resnet).");
    return 1;
}

int epochs = quick ? 2 : 10, batchSize = 64;
int steps = (train.Count + batchSize - 1) / batchSize;
var sgd = new Sgd(learningRate: 0.05f, momentum: 0.9f, nesterov: true) { Schedule = new CosineDecay(0.05, epochs * steps) };
model.Compile(sgd, new CategoricalCrossentropy(labelSmoothing: 0.1f), "accuracy");
model.Fit(train.Images, train.OneHot, epochs: epochs, batchSize: batchSize,
    validationData: (validation.Images, validation.OneHot), seed: 2,
    augmentation: AugmentationPipeline.Parse("shift:2"));   // torchvision's RandomCrop(28, padding=2)
var score = model.Evaluate(test.Images, test.OneHot);
Console.WriteLine($"Test loss {score.Loss:F4}, test accuracy {score.Accuracy:F4}");

// One file holds the graph, the weights and the optimizer's state; Model.Load gives the same model back.
string path = Path.Combine(outDir, "model.safetensors");
model.Save(path);
var loaded = Model.Load(path);
Console.WriteLine($"Reloaded '{loaded.Name}': test accuracy {loaded.Evaluate(test.Images, test.OneHot).Accuracy:F4}");
return 0;
