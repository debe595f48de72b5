using DeviceSync.Contracts.Operations;

namespace DeviceSync.Grains.Hosting;

/// <summary>
/// A <see cref="StorageUnavailableException"/> leaving a grain carries only its message. Its inner exceptions (the
/// journal's fencing and replica-lag exceptions, the storage SDK's) have no Orleans codec; one of them inside the
/// response made the response itself fail to serialize, and the gateway answered 500 instead of 503 (seen in
/// SiloGracefulStopTests when an account grain was fenced during a move). The detail stays in the silo's log.
/// </summary>
internal sealed class WireSafeStorageFailures : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is not null)
        {
            throw new StorageUnavailableException(ex.Message);
        }
    }
}
