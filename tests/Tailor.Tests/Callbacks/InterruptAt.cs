using Tailor.Models;

namespace Tailor.Tests.Callbacks;

/// <summary>Requests an interrupt when the given batch of the given epoch (both 0-based) ends, as Ctrl-C there would.</summary>
internal sealed class InterruptAt(int epoch, int batch) : Callback
{
    public override void OnBatchEnd(int e, int b, double loss)
    {
        if (e == epoch && b == batch) Model!.RequestInterrupt();
    }
}
