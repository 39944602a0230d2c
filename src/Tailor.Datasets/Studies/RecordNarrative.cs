using System.Globalization;

namespace Tailor.Studies;

/// <summary>The record report's explanations: what each ingredient changes, why it should help, and how to read the ladder.</summary>
internal static class RecordNarrative
{
    public static string Introduction(int epochs, int batchSize, int train, int validation, int test, ulong seed) =>
        string.Create(CultureInfo.InvariantCulture, $"The notebook's CNN reaches about 0.89 test accuracy on Fashion-MNIST; the record recipe " +
        $"(a VGG-style network with BatchNormalization and dropout, trained with AdamW on a one-cycle schedule on mirrored images, and scored " +
        $"with flip averaging at test time) reaches 0.94 in ten minutes on two cores. This study climbs from one to the other one ingredient at a time, " +
        $"so that each step of the ladder shows what that ingredient adds. Every rung trains on the same {train:N0} images, is validated after " +
        $"each epoch on the same {validation:N0} held-out images, and is measured once, at the end, on the same {test:N0} test images. Every rung " +
        $"trains for {epochs} epochs in batches of {batchSize}, with seed {seed} for its initial weights, shuffles and augmentation, so that " +
        $"the only difference between a rung and the one above it is the ingredient it adds. Nothing is chosen on the test images: the epochs " +
        $"and settings are fixed beforehand, and the validation images are the ones to look at when choosing.");

    public const string Table =
        "Validation and test accuracy are those of the weights each rung ends with (the last epoch: no early stopping, so that every " +
        "rung gets the same budget). Δ is the difference from the rung above, so the Δ column adds up to the last rung's accuracy minus " +
        "the first's. Seconds are wall-clock seconds of training and scoring; CPU seconds add up the time of every core (on two busy " +
        "cores the two can differ either way). The parameters include BatchNormalization's moving statistics. The flip-averaging rung " +
        "trains nothing: it scores the rung above's model on each image and its mirror image, so its cost is two evaluations.";

    public static string Ingredient(RecordRung rung, RecordStudyOptions options) => rung switch
    {
        RecordRung.NotebookCnn =>
            "The notebook's network and optimiser: three convolutions with max pooling and a dense head, RMSprop at Keras's constant rate 0.001. The baseline every later rung builds on.",
        RecordRung.BatchNorm =>
            "The same network with BatchNormalization between each convolution (now without bias) and its ReLU: every convolution's output is " +
            "normalised over the batch, then scaled and shifted by learned weights. Each layer's inputs stay on one scale while the layers below " +
            "change, so larger steps are safe and training converges in fewer epochs.",
        RecordRung.Vgg =>
            "The network grows: two stages of two 3x3 convolutions (32, then 64 filters) that keep the image's size (\"same\" padding), each with " +
            "BatchNormalization and ReLU and ended by max pooling, then dropout, a 256-unit dense layer and dropout again (VGG's pattern, " +
            "Simonyan and Zisserman 2014). Two small convolutions see as far as one 5x5 with fewer weights and one more non-linearity; the " +
            "dropout keeps its 871,210 parameters from memorising the 50,000 images.",
        RecordRung.OneCycle =>
            "The rate follows one cycle (Smith and Topin 2017, as PyTorch's OneCycleLR): it climbs along half a cosine from a 25th of RMSprop's 0.001 " +
            "to 0.001 over the first 30% of the steps, then falls the same way to nearly zero at the last. The climb warms the network up gently; the long fall settles it into a minimum " +
            "instead of bouncing around it, which a constant rate cannot do.",
        RecordRung.AdamW =>
            string.Create(CultureInfo.InvariantCulture, $"RMSprop gives way to AdamW (Loshchilov and Hutter 2019) with a peak rate of {options.AdamWLearningRate}: " +
            $"Adam's momentum smooths the steps, and its weight decay (Keras's 0.004), applied to the weights directly rather than through " +
            $"the gradient, keeps them small. With BatchNormalization the larger peak rate is safe, and it covers more ground in the same epochs."),
        RecordRung.Augmentation =>
            $"Every training batch is transformed on the fly ({options.Augment}: a random left-right mirror of half the images), anew at every epoch. " +
            "The network learns that a garment's class does not depend on its side. A crop with padding (shift:2) was left out: in runs of a few " +
            "epochs on this network it cost accuracy, the task becoming harder before it pays off.",
        _ =>
            $"No training: the previous rung's model predicts each validation and test image and its mirror image, and the two outputs are averaged " +
            "(test-time augmentation). It pays only for a model trained on mirror images, which the augmentation rung provides; " +
            "Fashion-MNIST's shoes all point left, so a model that never saw a mirrored shoe loses accuracy this way (docs/regularization.md).",
    };

    public static string Outcome(RecordRungResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"In this run: validation accuracy {r.ValidationAccuracy:F4}, test accuracy {r.TestAccuracy:F4}") +
        (r.TestDelta is double d ? string.Create(CultureInfo.InvariantCulture, $", {d * 100:+0.00;-0.00;0.00} points over the rung above") : "") +
        string.Create(CultureInfo.InvariantCulture, $"; {r.Seconds:F1} s.");

    public static string Findings(IReadOnlyList<RecordRungResult> results, int tests)
    {
        var first = results[0];
        var last = results[^1];
        var steps = results.Skip(1).ToList();
        var best = steps.MaxBy(r => r.TestDelta!.Value)!;
        var worst = steps.MinBy(r => r.TestDelta!.Value)!;
        string text = string.Create(CultureInfo.InvariantCulture,
            $"From the notebook's CNN ({first.TestAccuracy:F4}) to the last rung ({last.TestAccuracy:F4}) the test accuracy changes by " +
            $"{(last.TestAccuracy - first.TestAccuracy) * 100:+0.00;-0.00;0.00} points. The largest step is {best.Rung.Title()[2..]} " +
            $"({best.TestDelta!.Value * 100:+0.00;-0.00;0.00} points); ");
        text += worst.TestDelta < 0
            ? string.Create(CultureInfo.InvariantCulture, $"{worst.Rung.Title()[2..]} costs the most ({worst.TestDelta!.Value * 100:+0.00;-0.00} points). ")
            : "no step costs accuracy. ";
        text += string.Create(CultureInfo.InvariantCulture,
            $"One test image of {tests:N0} is worth {100.0 / tests:F2} points, and a step of a few tenths of a point may be within what another seed would change.");
        return text;
    }

    public const string Conclusion =
        "The ingredients are not independent: augmentation and dropout make training harder and pay off only when the network has the " +
        "capacity and the epochs to use them, so their steps grow with the budget (a ladder of a few epochs can show them as losses that a " +
        "long run turns into gains). The order matters too: an ingredient's step is measured on top of everything above it. Run the study " +
        "with another --seed to see how much of a step is noise. With its defaults the last rung that trains is the record's own run, " +
        "tailor train --full --epochs 12 with the options in its row, and the last rung is that model under flip averaging, which " +
        "tailor train --flip-average and tailor evaluate --flip-average compute.";
}
