namespace Tailor.Models;

/// <summary>Mean loss (regularization penalty included, as Keras reports it) and accuracy over a data set.</summary>
public sealed record Evaluation(double Loss, double Accuracy);
