namespace DeviceSync.Grains.Storage;

/// <summary>Opens replicated journals: one per stream (for example a collection, <c>alice/contacts</c>).</summary>
public interface IJournalStore
{
    /// <summary>
    /// Reads the stream from a read quorum of replicas, repairs replicas that lag, and returns a handle positioned
    /// after the last entry. A stream that exists nowhere opens empty.
    /// </summary>
    /// <exception cref="DeviceSync.Contracts.Operations.StorageUnavailableException">Fewer than R replicas answered.</exception>
    Task<JournalStream> OpenAsync(string streamKey, CancellationToken cancellationToken = default);
}
