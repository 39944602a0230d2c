namespace Tailor.Data;

/// <summary>The Fashion-MNIST training and test sets as read from their IDX files.</summary>
public sealed record FashionMnistDataset(ImageSet Train, ImageSet Test);
