namespace DeviceSync.Client;

/// <summary>Tuning of a <see cref="Device"/>'s sync loop.</summary>
public sealed record DeviceOptions
{
    /// <summary>Changes asked for per collection per request (1-1000; the server's default is 500).</summary>
    public int PullLimit { get; init; } = 500;

    /// <summary>Mutations per collection per request (the protocol allows at most 500).</summary>
    public int MaxMutationsPerCollection { get; init; } = 500;

    /// <summary>Collections per request (the protocol allows at most 16).</summary>
    public int MaxCollectionsPerRequest { get; init; } = 16;

    /// <summary>
    /// Item data bytes per request: a request stops taking mutations at this many (the server takes bodies of at most
    /// 4 MiB; a single larger mutation still goes alone).
    /// </summary>
    public int MaxDataBytesPerRequest { get; init; } = 3 * 1024 * 1024;

    /// <summary>A safety stop: a SyncAsync call gives up after this many requests (it can be called again).</summary>
    public int MaxRequestsPerSync { get; init; } = 10_000;
}
