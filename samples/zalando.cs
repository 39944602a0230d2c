#:project ../src/Tailor.Datasets/Tailor.Datasets.csproj
#:property InvariantGlobalization=true
// Compile each method fully optimised at once: a training step's short hot loops otherwise run as
// unoptimised tier-0 code for the first epochs (see docs/performance.md).
#:property TieredCompilation=false

// The Zalando Fashion-MNIST notebook, section by section, as a reader of it would write it in C#
// with Tailor's public API. Run from the repository root:
//
//     dotnet run -c Release samples/zalando.cs             the notebook's epochs (a few minutes)
//     dotnet run -c Release samples/zalando.cs -- --quick  a few epochs of each model (CI runs this)
//
// The pictures go to out/zalando-sample/.

using Tailor.Data;
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Tensors;
using Tailor.Visualization;

bool quick = args.Contains("--quick");
string outDir = Path.Combine("out", "zalando-sample");
Directory.CreateDirectory(outDir);
void Save(byte[] png, string name) => PngFile.Save(png, Path.Combine(outDir, name));

// ## Loading the data
// The four IDX files: 60,000 training and 10,000 test images of 28x28 grey pixels, labels 0-9.
var location = new DataLocator().Locate();
var dataset = FashionMnist.Load(location.Directory);
Console.WriteLine($"Data from {location.Description}: {dataset.Train.Count:N0} training and {dataset.Test.Count:N0} test images");

// ## Sampling and normalising
// random.seed(1109); 10,000 training and 2,500 test images; the first 2,000 sampled training images
// validate. Pixels are scaled to [0, 1] and labels one-hot encoded (to_categorical).
var sample = FashionSample.Draw(dataset, FashionSampleOptions.Notebook);
var (train, validation, test) = (sample.Train, sample.Validation, sample.Test);
Console.WriteLine($"x_train {train.Images.ShapeString}, y_train {train.OneHot.ShapeString}, x_val {validation.Images.ShapeString}, x_test {test.Images.ShapeString}");

// ## Looking at the images
// plt.imshow(x_train[0]) with its label's name.
Save(ImageRendering.Image(train.Images.Slice(0, 1), FashionMnist.ClassNames[train.Labels[0]]), "first-image.png");

// ## A dense baseline
// Flatten each image to 784 values; two hidden ReLU layers; softmax over the ten classes.
static Tensor Flat(Tensor images) => images.Reshape(images.Dim(0), 28 * 28);

static Sequential DenseBaseline()
{
    var model = new Sequential(seed: 1);
    model.Add(new Dense(128, Activation.Relu));
    model.Add(new Dense(64, Activation.Relu));
    model.Add(new Dense(10, Activation.Softmax));
    model.Build(784);
    model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
    return model;
}

var dense = DenseBaseline();
Console.WriteLine(dense.Summary());

var history = dense.Fit(Flat(train.Images), train.OneHot, epochs: quick ? 4 : 50, batchSize: 128,
    validationData: (Flat(validation.Images), validation.OneHot), seed: 2);

// ## Training against validation curves
// Training loss as dots, validation loss as a line: where the line turns up, the model overfits.
Save(TrainingCurves.Loss(history["loss"], history["val_loss"]), "dense-loss.png");
Save(TrainingCurves.Accuracy(history["accuracy"], history["val_accuracy"]), "dense-accuracy.png");

// The notebook then retrains for the number of epochs the curves suggest and evaluates on the test set.
var denseKept = DenseBaseline();
denseKept.Fit(Flat(train.Images), train.OneHot, epochs: quick ? 2 : 20, batchSize: 128,
    validationData: (Flat(validation.Images), validation.OneHot), seed: 2, verbose: 0);
var denseScore = denseKept.Evaluate(Flat(test.Images), test.OneHot);
Console.WriteLine($"Dense test loss {denseScore.Loss:F4}, test accuracy {denseScore.Accuracy:F4}");

// ## A small convnet
// Conv2D(32, 3x3) -> MaxPooling2D(2) -> Conv2D(64) -> MaxPooling2D -> Conv2D(64) -> Flatten ->
// Dense(64) -> Dense(10, softmax). Each 3x3 valid convolution shrinks the map by 2, each pooling halves it.
static Sequential Convnet(bool dropout)
{
    var model = new Sequential(seed: 1);
    model.Add(new Conv2D(32, 3, activation: Activation.Relu));
    model.Add(new MaxPooling2D(2));
    model.Add(new Conv2D(64, 3, activation: Activation.Relu));
    model.Add(new MaxPooling2D(2));
    model.Add(new Conv2D(64, 3, activation: Activation.Relu));
    model.Add(new Flatten());
    // ## Adding dropout: half of the flattened features are zeroed at random during training.
    if (dropout) model.Add(new Dropout(0.5f));
    model.Add(new Dense(64, Activation.Relu));
    model.Add(new Dense(10, Activation.Softmax));
    model.Build(28, 28, 1);
    model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
    return model;
}

var cnn = Convnet(dropout: false);
Console.WriteLine(cnn.Summary());
var cnnHistory = cnn.Fit(train.Images, train.OneHot, epochs: quick ? 2 : 14, batchSize: 64,
    validationData: (validation.Images, validation.OneHot), seed: 2);
Save(TrainingCurves.Loss(cnnHistory["loss"], cnnHistory["val_loss"]), "cnn-loss.png");
var cnnScore = cnn.Evaluate(test.Images, test.OneHot);
Console.WriteLine($"CNN test loss {cnnScore.Loss:F4}, test accuracy {cnnScore.Accuracy:F4}");

// ## The convnet with dropout
var cnnDropout = Convnet(dropout: true);
var dropoutHistory = cnnDropout.Fit(train.Images, train.OneHot, epochs: quick ? 2 : 20, batchSize: 64,
    validationData: (validation.Images, validation.OneHot), seed: 2);
Save(TrainingCurves.Loss(dropoutHistory["loss"], dropoutHistory["val_loss"]), "cnn-dropout-loss.png");
var dropoutScore = cnnDropout.Evaluate(test.Images, test.OneHot);
Console.WriteLine($"CNN with dropout test loss {dropoutScore.Loss:F4}, test accuracy {dropoutScore.Accuracy:F4}");

// ## Making predictions
// model.predict gives ten probabilities per image; the class is their argmax.
var first = test.Images.Slice(0, 1);
var probabilities = cnnDropout.Predict(first).Span.ToArray();
int predicted = Array.IndexOf(probabilities, probabilities.Max());
Console.WriteLine($"Test image 0: predicted {FashionMnist.ClassNames[predicted]}, actually {FashionMnist.ClassNames[test.Labels[0]]}");
Save(ClassProbabilityChart.Render(FashionMnist.ClassNames, probabilities, "Predicted class probabilities"), "prediction.png");

// ## Looking inside the convnet
// The output of every layer for one image; the convolution layers' channels drawn one tile each.
foreach (var (layer, activation) in cnnDropout.GetActivations(first))
    if (layer is Conv2D || layer is MaxPooling2D)
        Save(FeatureMaps.Render(activation, layer.Name!), $"feature-maps-{layer.Name}.png");

Console.WriteLine($"Pictures written to {Path.GetFullPath(outDir)}");
