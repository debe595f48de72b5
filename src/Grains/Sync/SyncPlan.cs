using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// What one sync request decided: the change to make durable (null when nothing must be persisted),
/// the per-mutation results in request order, the resync instruction when the cursor cannot be served, and the
/// mass-delete guard's refusal when it held the mutations back (then there is neither a change nor results).
/// </summary>
public sealed record SyncPlan(CollectionChange? Change, IReadOnlyList<MutationResult> Results, ResyncInstruction? Resync, MassDeleteRefusal? Refused = null);
