using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Tests.Cluster;

/// <summary>Shorthands for building sync requests in cluster tests.</summary>
internal static class Requests
{
    public static Mutation Put(long id, string itemId, string data, long? baseVersion = null) =>
        new() { Id = id, Op = MutationOp.Put, ItemId = itemId, Data = data, BaseVersion = baseVersion };

    public static SyncCollectionRequest Request(string deviceId, long? cursor, params Mutation[] mutations) =>
        new() { DeviceId = deviceId, Cursor = cursor, Limit = SyncLimits.MaxChangesLimit, Mutations = mutations };

    public static string NewAccount() => "acct-" + Guid.NewGuid().ToString("N")[..16];
}
