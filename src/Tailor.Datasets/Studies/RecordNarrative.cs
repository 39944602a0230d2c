using System.Globalization;

namespace Tailor.Studies;

/// <summary>The record report's explanations: what each ingredient changes, why it should help, and how to read the ladder.</summary>
internal static class RecordNarrative
{
    public static string Introduction(int epochs, int batchSize, int train, int validation, int test, ulong seed) =>
        string.Create(CultureInfo.InvariantCulture, $"The notebook's CNN reaches about 0.89 test accuracy on Fashion-MNIST; the record recipe " +
        $"(a pre-activation ResNet trained with SGD and Nesterov momentum, a cosine schedule, padded crops and mirror images, label smoothing, " +
        $"random erasing, and flip averaging at test time) aims at 0.94. This study climbs from one to the other one ingredient at a time, " +
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
        RecordRung.Cosine =>
            "The same network with the rate lowered along half a cosine, from 0.001 at the first step to zero at the last. Large steps early explore; " +
            "small steps at the end settle into a minimum instead of bouncing around it, which a constant rate cannot do.",
        RecordRung.ResNet =>
            "The network changes: a small pre-activation ResNet (three stages of basic blocks, 16, 32 and 64 filters) in which every block adds its input " +
            "back to its output, and BatchNormalization normalises every convolution's input. The identity paths carry gradients straight to the first " +
            "layers and BatchNormalization keeps each layer's inputs on one scale, so a deeper network trains as easily as a shallow one; global " +
            "average pooling replaces the dense head. Both come in one rung: the ResNet builder has no BatchNorm-free variant, and every rung " +
            "trains a model that tailor train can name, so residual connections without BatchNorm are not measured apart.",
        RecordRung.SgdNesterov =>
            string.Create(CultureInfo.InvariantCulture, $"RMSprop gives way to SGD at rate {options.SgdLearningRate} with Nesterov momentum 0.9, still on the cosine schedule. " +
            $"Adaptive optimisers converge fast but often to sharper minima; momentum SGD, with BatchNormalization making a large rate safe, is what " +
            $"image classifiers are usually trained with, and tends to generalise better for the same budget."),
        RecordRung.Augmentation =>
            $"Every training batch is transformed on the fly ({options.Augment}; flip is a random left-right mirror, shift:N a random crop of the image " +
            "padded by N pixels, torchvision's RandomCrop(28, padding=N)), anew at every epoch. The network never sees the same pixels twice and learns that a garment's " +
            "class does not depend on its side or position. With few epochs it can cost accuracy: the task becomes harder before it pays off.",
        RecordRung.LabelSmoothing =>
            string.Create(CultureInfo.InvariantCulture, $"The targets become {1 - options.LabelSmoothing + options.LabelSmoothing / 10:0.###} for the true class and {options.LabelSmoothing / 10:0.###} for each other " +
            $"(label smoothing {options.LabelSmoothing}). The network is no longer pushed to ever more confident outputs, which keeps its " +
            $"weights smaller and its probabilities better calibrated; the loss it reports has a floor above zero."),
        RecordRung.RandomErasing =>
            string.Create(CultureInfo.InvariantCulture, $"With probability {options.Erase}, a random rectangle of each training image is blanked (random erasing, Zhong et al. 2017). " +
            $"The network cannot rely on one part of a garment (a collar, a heel) and has to use all of it."),
        _ =>
            $"No training: the previous rung's model predicts each validation and test image and its mirror image, and the two outputs are averaged " +
            "(test-time augmentation). It pays only for a model trained on mirror images, which the augmentation of this ladder includes; " +
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
        "The ingredients are not independent: augmentation, label smoothing and erasing make training harder and pay off only when the " +
        "network has the capacity and the epochs to use them, so their steps grow with the budget (a ladder of a few epochs can show them " +
        "as losses that a long run turns into gains). The order matters too: an ingredient's step is measured on top of everything above it. " +
        "Run the study with more --epochs to see the recipe at its intended budget, and with another --seed to see how much of a step is noise. " +
        "The last rung that trains is tailor train --model resnet with the options in its row, and the last rung is that model under tailor evaluate --flip-average.";
}
