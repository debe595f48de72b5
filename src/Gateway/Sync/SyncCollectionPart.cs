using DeviceSync.Contracts.Sync;

namespace DeviceSync.Gateway.Sync;

/// <summary>One validated collection of a <c>/v1/sync</c> request.</summary>
public sealed record SyncCollectionPart(string Name, long? Cursor, int Limit, IReadOnlyList<Mutation> Mutations, bool ConfirmMassDelete = false);
