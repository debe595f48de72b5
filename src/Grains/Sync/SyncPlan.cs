using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// What one sync request decided: the change to make durable (null when nothing must be persisted),
/// the per-mutation results in request order, and the resync instruction when the cursor cannot be served.
/// </summary>
public sealed record SyncPlan(CollectionChange? Change, IReadOnlyList<MutationResult> Results, ResyncInstruction? Resync);
