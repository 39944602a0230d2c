using Tailor.Data;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>The notebook's sample of the vendored data (2,500 test images), drawn once for all tests that need it.</summary>
internal static class VendoredSample
{
    private static readonly Lazy<FashionSample> Sample = new(() =>
        FashionSample.Draw(FashionMnist.Load(VendoredData.Directory), FashionSampleOptions.Notebook with { Seed = 1 }));

    public static FashionSample Notebook => Sample.Value;
}
