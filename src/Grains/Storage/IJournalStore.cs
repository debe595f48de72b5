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

    /// <summary>
    /// A handle on a stream the caller believes is new, without reading anything: its first append is fenced
    /// (<see cref="JournalFencedException"/>) if the stream exists after all, and the caller then opens it with
    /// <see cref="OpenAsync"/>. For creations that usually are what they claim (a new account), where the read would
    /// find nothing and cost more than the write.
    /// </summary>
    Task<JournalStream> OpenNewAsync(string streamKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Raises this silo's known history-loss generation to one learned through a request (the account grain that
    /// authenticated the device read it on another silo): streams opened before it stop being served and reload, so a
    /// collection never answers a readmitted device from state storage lost (docs/adr/0008-device-readmission.md).
    /// </summary>
    void ObserveHistoryLoss(long generation);

    /// <summary>
    /// Reads the stream as <see cref="OpenAsync"/> does and repairs every replica that answered, without opening it for
    /// writing. Call it only from the stream's owner (its grain): the repair replaces and deletes rows, which is safe only
    /// between one writer's appends.
    /// </summary>
    /// <exception cref="DeviceSync.Contracts.Operations.StorageUnavailableException">Fewer than R healthy replicas answered.</exception>
    Task<JournalRepairResult> RepairAsync(string streamKey, CancellationToken cancellationToken = default);
}
