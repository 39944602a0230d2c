namespace Tailor.Studies;

/// <summary>The report's explanations: what each step of the study does and why, for a reader new to it.</summary>
/// Numbers follow the current culture; the tailor command runs with the invariant one.
internal static class TutorialNarrative
{
    public const string Introduction =
        "This report follows the Zalando Fashion-MNIST notebook step by step: it loads the images, looks at them, " +
        "trains a dense network as a baseline, then a small convolutional network, then the same network with dropout and, beyond the notebook, a 1D convnet that reads each image as a sequence of rows, " +
        "chooses the number of epochs from the training and validation curves, measures each model on test images it has " +
        "never seen, makes a prediction and looks inside the convnet at what its layers respond to. Everything here was " +
        "computed by Tailor's own CPU engine in this run; the figures and tables are this run's, with a fixed seed so that " +
        "running it again gives the same numbers.";

    public static string Data(string where, int trainFiles, int testFiles, int train, int validation, int test) =>
        $"Fashion-MNIST replaces the handwritten digits of MNIST with photos of clothes from Zalando's catalogue: " +
        $"{trainFiles:N0} training and {testFiles:N0} test images, each 28 x 28 grey levels, in ten classes. The files are " +
        $"in the IDX format (a small header with a magic number and the dimensions, then one byte per pixel) and were read " +
        $"from {where}. Like the notebook, the study works on a random sample so that it runs in minutes: {train + validation:N0} " +
        $"training images, of which the first {validation:N0} are held out for validation (never trained on, used to watch for " +
        $"overfitting after every epoch), so the models learn from {train:N0}; and {test:N0} test images, looked at only once, " +
        $"at the end.";

    public const string Preprocessing =
        "Two changes make the data fit for a network. The pixels are scaled from bytes 0-255 to numbers in [0, 1]: " +
        "networks learn best from small inputs of similar range. The labels, integers 0-9, become one-hot vectors of ten " +
        "values with a single 1: the network outputs ten probabilities, one per class, and the loss compares them with this " +
        "vector. Images keep the shape (height, width, channels) = (28, 28, 1) for the convnets; the dense network takes " +
        "each image flattened to 784 values, as the notebook reshapes it.";

    public const string Dense =
        "The baseline is a stack of dense (fully connected) layers: each output is a weighted sum of all 784 pixels plus a " +
        "bias, passed through an activation. ReLU (max(0, x)) in the hidden layers lets the network bend its decision " +
        "boundaries; softmax at the end turns ten scores into probabilities that sum to one. The first layer alone has " +
        "784 x 128 weights + 128 biases = 100,480 parameters. A dense layer sees the image as a flat list: it does not know " +
        "which pixels are neighbours.";

    public const string Cnn =
        "A convolutional layer slides small windows (here 3 x 3 patches) over the image and applies the same weights to " +
        "every patch, so a pattern learned in one place is recognised everywhere, with few parameters: 3 x 3 x 1 x 32 + 32 = " +
        "320 for the first layer. Without padding ('valid') a 3 x 3 window fits 26 positions across 28 pixels: that is the " +
        "border effect that shrinks 28 x 28 to 26 x 26; 'same' padding would add a border of zeros to keep 28. A stride of 1 " +
        "moves the window one pixel at a time; larger strides skip positions and shrink the output further. Max pooling with " +
        "2 x 2 windows keeps the strongest response of each window and halves the height and width, so the next layers see " +
        "larger parts of the image and the network becomes tolerant to small shifts. The last feature maps are flattened " +
        "into a dense classifier.";

    public const string CnnDropout =
        "When the training loss keeps falling while the validation loss rises, the network is memorising the training " +
        "images instead of learning what generalises: it overfits. Dropout fights this by zeroing a random half of the " +
        "flattened features at every training step (and scaling the rest by two), so no unit can rely on a particular other " +
        "one. At test time nothing is dropped. The model is otherwise the same convnet, with the same number of parameters.";

    public const string Conv1D =
        "Not in the notebook: the same images read as sequences. Each 28 x 28 image becomes 28 steps (its rows), each of 28 " +
        "features (the pixels of the row), and one-dimensional convolutions slide windows of 5 rows down the image, with max " +
        "pooling halving the number of steps twice. Global average pooling then averages each of the 128 channels over the " +
        "remaining steps, and a dense head classifies. This is how a convnet reads text or a signal; here it shows how much of " +
        "the two-dimensional structure a network over rows can recover, to compare with the 2D convnet above.";

    public static string LossAndOptimizer(int batchSize, int train) =>
        $"Training minimises the categorical cross-entropy, -log of the probability given to the true class, averaged over " +
        $"a batch of {batchSize} images; an epoch is one pass over the {train:N0} training images, {((long)train + batchSize - 1) / batchSize} " +
        $"steps. RMSprop (learning rate 0.001, as Keras) updates each weight against its gradient, divided by a running " +
        $"average of that gradient's recent size, so that every weight moves at a sensible pace.";

    public static string Confusion(string model) =>
        $"Accuracy alone hides which mistakes a model makes. The {model}, the most accurate here on the test images, is " +
        "taken apart below as scikit-learn's classification_report does: per class, precision (how many of the images it " +
        "called that class were that class), recall (how many of that class it found), their harmonic mean F1, and the " +
        "support (images of the class). The confusion matrix shows where the rest went. In Fashion-MNIST the usual suspects " +
        "are the upper-body garments (shirts, T-shirts, pullovers and coats); the matrix shows whether this model agrees.";

    public static string ChoosingEpochs(int bestEpoch, double bestLoss, int kept, int explored) =>
        (bestEpoch < explored
            ? $"The validation loss was lowest after epoch {bestEpoch} ({bestLoss:F4}); after that point more epochs mostly fit the training images better. "
            : $"The validation loss was still falling at the last epoch ({bestLoss:F4}): more epochs would help. ") +
        $"As the notebook does, the model is then taken after {kept} of the {explored} epochs and " +
        $"measured on the test images. Training {kept} epochs again from scratch with the same seed retraces exactly the " +
        $"first {kept} epochs above, so Tailor keeps the weights it had after epoch {kept} instead of training twice: the same " +
        $"model, bit for bit, in less time.";

    public static string Prediction(string model) =>
        $"The {model} now classifies a test image: softmax gives a probability for each of the ten classes, and the " +
        "predicted class is the most probable one. The bar in colour is the prediction (red when it is wrong).";

    public const string FeatureMaps =
        "What does the convnet look at? Each tile below is one channel of a layer's output for the same test image, scaled " +
        "to its own range and coloured with viridis (dark blue low, yellow high). The first convolution responds to edges " +
        "and bright or dark regions; after pooling the maps are coarser, and the deeper layers respond to larger, more " +
        "abstract parts of the garment. Some channels stay dark: they look for patterns this image does not have.";

    public const string Conclusion =
        "The convnets beat the dense baseline because they exploit the image's structure: neighbouring pixels, and the " +
        "same patterns anywhere in the image. Dropout narrows the gap between training and validation loss and lets the " +
        "convnet train longer before it overfits. What the notebook left to try (k-fold cross-validation, augmentation, " +
        "L2 regularisation, early stopping, other optimizers, batch and kernel sizes, the full training set) can be done " +
        "on the same engine: the tailor cv command cross-validates, tailor tune searches the settings, and tailor train's " +
        "options do the rest.";
}
