using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// Turns the cancellation of <paramref name="cancellationToken"/> into <see cref="Model.RequestInterrupt"/>:
/// a running Fit stops after the batch in progress (or at once, if the token was cancelled before it began)
/// and reports where in <see cref="Model.Interruption"/>. A token cancelled during the last batch lets
/// Fit finish; the caller checks the token after it.
/// </summary>
public sealed class InterruptOnCancellation(CancellationToken cancellationToken) : Callback
{
    private CancellationTokenRegistration _registration;

    public override void OnTrainBegin(TrainingInfo info)
    {
        _registration.Dispose();
        var model = Model!;
        // Runs at once when the token is already cancelled.
        _registration = cancellationToken.Register(model.RequestInterrupt);
    }

    public override void OnTrainEnd(History history) => _registration.Dispose();
}
