#!/usr/bin/env bash
# A new console app that references only the Tailor package from artifacts/ (scripts/pack.sh first):
# it builds the notebook's CNN in code, trains one epoch on 1,000 generated images and predicts, with
# default runtime settings. Fails if the app's bin folder holds any native library.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$(mktemp -d)/ConsumerApp"
packages="$(mktemp -d)"   # a fresh package folder: the Tailor package of this build, not a cached one
trap 'rm -rf "$(dirname "$app")" "$packages"' EXIT
mkdir -p "$app"
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props")"
cat > "$app/ConsumerApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <RestoreSources>$root/artifacts;https://api.nuget.org/v3/index.json</RestoreSources>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Tailor" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$app/Program.cs" <<'CS'
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Tensors;

// 1,000 generated 28x28 images of two kinds: a bright upper half or a bright lower half.
const int count = 1000, classes = 10;
var random = new Random(7);
var x = new float[count * 28 * 28];
var y = new float[count * classes];
for (int i = 0; i < count; i++)
{
    int label = i % 2;
    for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++)
            x[(i * 28 + r) * 28 + c] = ((r < 14) == (label == 0) ? 0.8f : 0.1f) + 0.2f * random.NextSingle();
    y[i * classes + label] = 1;
}
var images = Tensor.FromArray(x, count, 28, 28, 1);
var labels = Tensor.FromArray(y, count, classes);

// The notebook's CNN, written out as a user would.
var model = new Sequential(seed: 1);
model.Add(new Conv2D(32, 3, activation: Activation.Relu));
model.Add(new MaxPooling2D(2));
model.Add(new Conv2D(64, 3, activation: Activation.Relu));
model.Add(new MaxPooling2D(2));
model.Add(new Conv2D(64, 3, activation: Activation.Relu));
model.Add(new Flatten());
model.Add(new Dense(64, Activation.Relu));
model.Add(new Dense(classes, Activation.Softmax));
model.Build([28, 28, 1]);
model.Compile(new RmsProp(), new CategoricalCrossentropy(), "accuracy");
Console.WriteLine(model.Summary());
var history = model.Fit(images, labels, epochs: 1, batchSize: 64, seed: 1);
var probabilities = model.Predict(images.Slice(0, 4));
var first = probabilities.Span[..classes].ToArray();
Console.WriteLine($"loss {history["loss"][^1]:F4}, accuracy {history["accuracy"][^1]:F4}; image 0 is class {Array.IndexOf(first, first.Max())} (label 0)");
var evaluation = model.Evaluate(images, labels, batchSize: 256);
Console.WriteLine($"after the epoch: accuracy {evaluation.Accuracy:F4}");
if (evaluation.Accuracy < 0.9) { Console.Error.WriteLine("consumer app: the model did not learn the two kinds of image."); return 1; }
return 0;
CS
NUGET_PACKAGES="$packages" dotnet build "$app" -c Release -nologo -v q
NUGET_PACKAGES="$packages" dotnet run --project "$app" -c Release --no-build
native="$(find "$app/bin" -type f \( -name '*.so' -o -name '*.so.*' -o -name '*.dylib' -o -name '*.dll' -path '*/native/*' \) | sed "s:$app/::")"
if [ -n "$native" ]; then
  echo "consumer app: native libraries in bin/ (the Tailor package must carry none):" >&2
  echo "$native" >&2
  exit 1
fi
echo "consumer app: trained and predicted with the Tailor package alone; no native library in bin/."
