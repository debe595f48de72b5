namespace DeviceSync.Gateway.Admission;

/// <summary>
/// A request feature on long-lived requests (event sockets): lets the handler give its admission slot back once the
/// expensive part (authentication, subscription) is done. Releasing twice is harmless.
/// </summary>
public sealed class AdmissionSlot(IDisposable lease)
{
    private int _released;

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            lease.Dispose();
        }
    }
}
