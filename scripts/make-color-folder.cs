#!/usr/bin/env -S dotnet run
#:project ../src/Tailor.Datasets/Tailor.Datasets.csproj
#:property PublishAot=false

// Writes a stand-in for a user's own photos: Fashion-MNIST test images of a few classes, coloured at
// random, resized and saved as a mix of PNG, JPEG and WebP in OUT/train and OUT/test (see ColorFashionFolder).
//
//   dotnet run scripts/make-color-folder.cs -- OUT [HxW] [Class,Class,...] [PER_CLASS]
//   dotnet run scripts/make-color-folder.cs -- out/shoes 64x64 Trouser,Bag,Sneaker
//
// then: tailor train --images out/shoes --image-size 64x64 --color rgb
using Tailor.Data;
using Tailor.Data.Images;

if (args.Length is < 1 or > 4)
{
    Console.Error.WriteLine("usage: dotnet run scripts/make-color-folder.cs -- OUT [HxW] [Class,Class,...] [PER_CLASS]");
    return 2;
}
string output = args[0];
string[] size = (args.Length > 1 ? args[1] : "64x64").Split('x');
string[] classes = (args.Length > 2 ? args[2] : "Trouser,Bag,Sneaker").Split(',');
int? perClass = args.Length > 3 ? int.Parse(args[3]) : null;
string data = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "scripts", "..", "data", "fashion");
var dataset = FashionMnist.Load(data);
int written = ColorFashionFolder.Write(dataset, classes, int.Parse(size[0]), int.Parse(size[1]), output, seed: 1, perClass: perClass);
Console.WriteLine($"Wrote {written:N0} images of {string.Join(", ", classes)} to {Path.GetFullPath(output)}");
return 0;
