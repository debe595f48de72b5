using Xunit;

namespace DeviceSync.Testing;

/// <summary>
/// N independent Azurite processes (default 3), started in parallel: the storage replicas of one test class
/// (<c>IClassFixture&lt;AzuriteReplicaSet&gt;</c>) or of one test (<see cref="StartAsync"/>).
/// </summary>
public sealed class AzuriteReplicaSet : IAsyncLifetime, IAsyncDisposable
{
    private readonly int _count;
    private readonly bool _inMemory;
    private AzuriteProcess[] _replicas = [];

    public AzuriteReplicaSet()
        : this(3)
    {
    }

    private AzuriteReplicaSet(int count, bool inMemory = false)
    {
        _inMemory = inMemory;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _count = count;
    }

    public int Count => _replicas.Length;

    public IReadOnlyList<AzuriteProcess> Replicas => _replicas;

    public IReadOnlyList<string> ConnectionStrings => _replicas.Select(r => r.ConnectionString).ToArray();

    public AzuriteProcess this[int index] => _replicas[index];

    /// <summary>Starts a set of <paramref name="count"/> replicas; dispose it to stop them.</summary>
    /// <param name="inMemory">Data in memory only (<see cref="AzuriteProcess.InMemory"/>): for scale measurements.</param>
    public static async Task<AzuriteReplicaSet> StartAsync(int count = 3, bool inMemory = false)
    {
        var set = new AzuriteReplicaSet(count, inMemory);
        await set.InitializeAsync().ConfigureAwait(false);
        return set;
    }

    public async Task InitializeAsync()
    {
        var starts = Enumerable.Range(0, _count).Select(_ => AzuriteProcess.StartAsync(inMemory: _inMemory)).ToArray();
        try
        {
            _replicas = await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync().ConfigureAwait(false);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
