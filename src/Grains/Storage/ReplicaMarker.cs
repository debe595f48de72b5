using Azure;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// What a replica says about its own identity: the marker row in its journal table (state, why, since when) and
/// whether the marker blob in its container is there. A replica whose table or container was lost has lost the
/// corresponding marker with it, so "healthy" needs both.
/// </summary>
/// <param name="RowState">The row's state; <see cref="ReplicaState.Unknown"/> when the row is missing.</param>
/// <param name="ETag">The row's ETag (default when missing): a heal is conditional on it, so a wipe during the sweep voids it.</param>
/// <param name="LossGeneration">The cluster's history-loss generation the row carries (<see cref="HistoryLossClock"/>); 0 when none.</param>
internal sealed record ReplicaMarker(ReplicaState RowState, string? Reason, DateTimeOffset? Since, bool BlobPresent, ETag ETag, long LossGeneration = 0)
{
    public static readonly ReplicaMarker Missing = new(ReplicaState.Unknown, null, null, BlobPresent: false, default);

    public bool RowPresent => RowState != ReplicaState.Unknown;

    /// <summary>The state the marker grants: healthy only with the row saying so and the blob present.</summary>
    public ReplicaState State => RowState == ReplicaState.Healthy && BlobPresent ? ReplicaState.Healthy : ReplicaState.Unhealed;
}
