using System.Collections.Concurrent;
using System.Reflection;
using DeviceSync.Contracts;

namespace DeviceSync.Gateway.Tests.Pipeline;

/// <summary>
/// Stands in for <see cref="IClusterClient"/> (via <see cref="DispatchProxy"/>): hands out in-memory account and
/// collection grains; every other grain (the management grain) fails as an unreachable cluster does.
/// </summary>
public class FakeCluster : DispatchProxy
{
    public ConcurrentDictionary<string, FakeAccountGrain> Accounts { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, FakeCollectionGrain> Collections { get; } = new(StringComparer.Ordinal);

    public static (IClusterClient Client, FakeCluster State) Create()
    {
        var client = DispatchProxy.Create<IClusterClient, FakeCluster>();
        return (client, (FakeCluster)(object)client);
    }

    public FakeCollectionGrain Collection(string accountId, string collection) =>
        Collections.GetOrAdd(CollectionKey.Format(accountId, collection), k => new FakeCollectionGrain(k, this));

    public FakeAccountGrain Account(string accountId) => Accounts.GetOrAdd(accountId, k => new FakeAccountGrain(k));

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod is { Name: "GetGrain", IsGenericMethod: true } && args is [string key, ..])
        {
            var type = targetMethod.GetGenericArguments()[0];
            if (type == typeof(IAccountGrain))
            {
                return Account(key);
            }

            if (type == typeof(ICollectionGrain))
            {
                return Collections.GetOrAdd(key, k => new FakeCollectionGrain(k, this));
            }
        }

        throw new InvalidOperationException($"The fake cluster is not connected ({targetMethod?.Name}).");
    }
}
