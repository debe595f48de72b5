namespace DeviceSync.Contracts;

/// <summary>The key of a <see cref="ICollectionGrain"/>: <c>accountId/collection</c>. Neither part may contain '/'.</summary>
public static class CollectionKey
{
    public static string Format(string accountId, string collection) => accountId + "/" + collection;

    public static (string AccountId, string Collection) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1)
        {
            throw new ArgumentException($"'{key}' is not a collection key.", nameof(key));
        }

        return (key[..slash], key[(slash + 1)..]);
    }
}
