using DeviceSync.Contracts.Sync;

namespace DeviceSync.Grains.Tests.Sync;

internal static class Mutations
{
    public static Mutation Put(long id, string itemId, string data = """{"name":"Ann"}""", long? baseVersion = null) =>
        new() { Id = id, Op = MutationOp.Put, ItemId = itemId, Data = data, BaseVersion = baseVersion };

    public static Mutation Delete(long id, string itemId, long? baseVersion = null) =>
        new() { Id = id, Op = MutationOp.Delete, ItemId = itemId, BaseVersion = baseVersion };

    public static Mutation Restore(long id, string itemId, long version, string data = """{"name":"Bo"}""") =>
        new() { Id = id, Op = MutationOp.Restore, ItemId = itemId, Version = version, Data = data };
}
