using Tailor.Data;
using Tailor.Tests.Data;

namespace Tailor.Tests.Studies;

/// <summary>Small labelled sets for end-to-end study tests: the synthetic images (image i filled with i % 256, label i % 10), shifted so sets differ.</summary>
internal static class StudyData
{
    public static LabeledTensors Set(int count, int offset = 0)
    {
        var images = SyntheticFashion.Set(count + offset);
        var indices = Enumerable.Range(offset, count).ToArray();
        int[] labels = images.LabelsAt(indices);
        return new LabeledTensors(images.ToTensor(indices), labels, Categorical.ToCategorical(labels, FashionMnist.NumClasses));
    }
}
