using Tailor.Models;

namespace Tailor.Tests.Models;

public sealed class NotebookModelsTests
{
    public static TheoryData<NotebookModel> All => [NotebookModel.Dense, NotebookModel.Cnn, NotebookModel.CnnDropout, NotebookModel.Conv1D, NotebookModel.CnnBatchNorm, NotebookModel.Vgg];

    [Theory]
    [MemberData(nameof(All))]
    public void The_fashion_shape_gives_the_notebook_model_weight_for_weight(NotebookModel kind)
    {
        var notebook = NotebookModels.Create(kind, seed: 5);
        var same = NotebookModels.Create(kind, [28, 28, 1], 10, seed: 5);

        Assert.Equal(notebook.InputShape, same.InputShape);
        Assert.Equal(notebook.Parameters.Count, same.Parameters.Count);
        for (int i = 0; i < notebook.Parameters.Count; i++)
            Assert.Equal(notebook.Parameters[i].Value.Span.ToArray(), same.Parameters[i].Value.Span.ToArray());
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Other_images_and_classes_change_only_the_input_and_output_layers(NotebookModel kind)
    {
        var model = NotebookModels.Create(kind, [64, 48, 3], 3, seed: 5);
        var notebook = NotebookModels.Create(kind, seed: 5);

        Assert.Equal(kind == NotebookModel.Dense ? [64 * 48 * 3] : [64, 48, 3], model.InputShape);
        Assert.Equal(3, model.OutputLength);
        Assert.Equal(notebook.Layers.Select(l => l.GetType()), model.Layers.Select(l => l.GetType()));
        var probabilities = model.Predict(new Tensors.Tensor([2, .. model.InputShape]));
        Assert.Equal(1f, probabilities.Span[..3].ToArray().Sum(), 5);
    }

    [Fact]
    public void Images_too_small_for_the_convolutions_are_refused_naming_a_layer()
    {
        var e = Assert.Throws<ArgumentException>(() => NotebookModels.Create(NotebookModel.Cnn, [16, 16, 1], 10));
        Assert.Matches("^(Conv2D|MaxPooling2D) '", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => NotebookModels.Create(NotebookModel.Cnn, [28, 28, 1], 1));
        Assert.Throws<ArgumentException>(() => NotebookModels.Create(NotebookModel.Dense, [28, 28], 10));
    }
}
