using System.Globalization;

namespace Tailor.Studies;

/// <summary>The regularization report's explanations: what each variant changes, why it should help, and how to read the numbers.</summary>
internal static class RegularizationNarrative
{
    public static string Introduction(int epochs, int batchSize, int train, int validation, int test, ulong sampleSeed, ulong seed) =>
        string.Create(CultureInfo.InvariantCulture, $"A network with enough parameters can learn its training images by heart: the training loss keeps falling " +
        $"while the loss on images it has not seen stops falling and starts to rise. Regularisation is any change that makes " +
        $"that memorising harder, so that what the network learns carries over to new images. This study trains the " +
        $"notebook's convolutional network five times, once plainly and once with each of four common regularisers, and " +
        $"puts the results next to each other. Every run sees the same {train:N0} training images, is validated after each " +
        $"epoch on the same {validation:N0} held-out images and is finally measured on the same {test:N0} test images " +
        $"(the notebook's sample, seed {sampleSeed}). Every run starts from the same initial weights (seed {seed}) and trains " +
        $"for {epochs} epochs with RMSprop and batches of {batchSize}, so the only difference between two rows of the table is the regulariser.");

    public static string None(int epochs, long parameters, int train) =>
        string.Create(CultureInfo.InvariantCulture, $"The notebook's CNN as it is: three convolutions and a dense head, {parameters:N0} parameters, trained for {epochs} epochs. " +
        $"It is the reference: with about {(double)parameters / train:F0} parameters per training image it is free to fit the training set far better than " +
        $"it can fit anything else, and its curves show when that starts (the validation loss turns upwards while the training loss goes on falling).");

    public const string Dropout =
        "Dropout(0.5) between the flattened feature maps and the dense layer, as the notebook's cnn-dropout: at each training step " +
        "a random half of the 576 features is set to zero and the rest doubled. A unit of the dense layer can never count on a " +
        "particular feature being there, so it has to spread its evidence over many, which is what a pattern that generalises " +
        "looks like; a quirk of a few training images is usually carried by a few features and gets dropped. It is also like " +
        "training many thinned networks that share weights and averaging them at test time, when nothing is dropped.";

    public static string L2(float factor, double initialSumOfSquares) =>
        string.Create(CultureInfo.InvariantCulture, $"An L2 penalty of {factor:G3} times the sum of the squared weights of every kernel (convolutions and dense layers; " +
        $"biases are left free) is added to the loss, as Keras's kernel_regularizer=l2({factor:G3}) does. Its gradient, 2 x {factor:G3} x w, " +
        $"pulls every weight towards zero at each step, so a weight only grows when the data keeps pushing it; the network is " +
        $"held to smooth functions built from many small weights instead of a few large ones that fit single images. The factor " +
        $"is a common starting value in Keras examples; with the Glorot-initialised kernels of this network (a sum of squares of {initialSumOfSquares:F0}) " +
        $"the penalty starts at {factor * initialSumOfSquares:F2}, against an initial cross-entropy near ln 10 = 2.30: much larger and the penalty would outweigh the data and " +
        $"the network would underfit, much smaller and it would do nothing. The losses reported for this run include the penalty, as Keras reports them.");

    public static string Augmentation(string pipeline) =>
        $"Each training batch is transformed on the fly before the network sees it, by the steps {pipeline} (flip is a random " +
        "left-right mirror, shift:2 a random shift of up to 2 pixels each way), drawn anew for every image at every epoch from a seeded stream. A mirrored shirt " +
        "is still a shirt, so these are new, plausible training images for free: the network cannot memorise the exact pixels of " +
        "an image it never sees twice the same way, and learns that the class does not depend on position or side. Validation and " +
        "test images are left as they are. Shoes and bags do point one way in Fashion-MNIST, but a mirrored sneaker is still a sneaker.";

    public static string EarlyStopping(int patience) =>
        string.Create(CultureInfo.InvariantCulture, $"The plain CNN, watched by Keras's EarlyStopping callback on the validation loss with patience {patience} and " +
        $"restore_best_weights: training ends when the best validation loss has not been lowered for {patience} " +
        $"epoch{(patience == 1 ? "" : "s")}, and the network is given back the weights of its best epoch. It does not change how the network learns " +
        $"(with the same seed its epochs are those of the unregularised run, bit for bit, until it stops); it chooses when to stop, " +
        $"which is what the notebook did by eye when it kept 14 epochs. The validation images are used to choose, so they are no " +
        $"longer an unbiased estimate; the test images still are.");

    public const string Curves =
        "Each plot shows one run: the training loss as dots (the mean over the epoch's batches, with dropout and augmentation switched " +
        "on, as Keras reports it) and the validation loss as a line (measured after the epoch, with nothing switched on). All five share " +
        "their axes, so heights compare directly. Overfitting shows as a widening space between the dots and the line.";

    public const string Overlay =
        "The five validation-loss curves on one plot. The lowest point of each curve is the best that run could have done had it " +
        "been stopped there; what happens after it is the cost of training too long without the regulariser holding it back. The early-stopping " +
        "curve lies exactly on the unregularised one for as long as it runs, so it hides that curve's first epochs.";

    public const string Table =
        "Test accuracy and loss are measured once, at the end, on the test images, with the weights each run ends with (for early " +
        "stopping, those of the kept epoch). The training and validation losses are those of the same epoch, and the gap is validation " +
        "minus training: a large positive gap means the network does much better on the images it trained on than on new ones. " +
        "A negative gap is no miracle: dropout and augmentation make the training batches harder than the untouched validation " +
        "images, and the training loss is measured on those batches. The kernel norm is the square root of the sum of the squares of every kernel weight.";

    public static string Findings(IReadOnlyList<RegularizationResult> results, int tests)
    {
        var none = results.First(r => r.Variant == RegularizationVariant.None);
        var best = results.MaxBy(r => r.TestAccuracy)!;
        var smallestGap = results.MinBy(r => Math.Abs(r.Gap))!;
        string text = string.Create(CultureInfo.InvariantCulture, $"Without regularisation the network ends with a gap of {none.Gap:F3} between validation and training loss " +
            $"and {none.TestAccuracy * 100:F1}% test accuracy. ");
        text += best.Variant == RegularizationVariant.None
            ? "None of the regularisers beat it on test accuracy in this run. "
            : string.Create(CultureInfo.InvariantCulture, $"The best test accuracy comes with {best.Variant.Noun()}, {best.TestAccuracy * 100:F1}% ({(best.TestAccuracy - none.TestAccuracy) * 100:+0.0;-0.0} points). ");
        text += string.Create(CultureInfo.InvariantCulture, $"The smallest gap comes with {smallestGap.Variant.Noun()} ({smallestGap.Gap:F3}). ");
        text += string.Create(CultureInfo.InvariantCulture, $"A difference of a few tenths of a point may be within what another seed would change: one test image of {tests:N0} is worth {100.0 / tests:F2} points.");
        return text;
    }

    public const string Conclusion =
        "Each regulariser attacks overfitting from a different side: dropout and L2 limit what the network can express, augmentation " +
        "enlarges what it has to explain, and early stopping limits how long it may try. They combine: the runs here change one thing at " +
        "a time so that each one's effect can be seen, but a final model would use several together (tailor train --model cnn-dropout " +
        "--augment flip,shift:2 --early-stopping 3, for instance). Results depend on the sample and the seed; rerun the study with " +
        "another --seed to see how much of a difference is noise.";
}
