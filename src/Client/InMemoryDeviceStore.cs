namespace DeviceSync.Client;

/// <summary>An <see cref="IDeviceStore"/> in memory (tests, and devices that can afford to lose their state). Thread-safe.</summary>
public sealed class InMemoryDeviceStore : IDeviceStore
{
    private readonly Lock _lock = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, CollectionState> _collections = new(StringComparer.Ordinal);
    private long _counter;

    public long LastMutationId
    {
        get
        {
            lock (_lock)
            {
                return _counter;
            }
        }
    }

    public IReadOnlyList<string> Collections
    {
        get
        {
            lock (_lock)
            {
                return [.. _order];
            }
        }
    }

    public long NextMutationId()
    {
        lock (_lock)
        {
            return ++_counter;
        }
    }

    public void AddCollection(string collection)
    {
        lock (_lock)
        {
            _ = State(collection);
        }
    }

    public string? GetCursor(string collection)
    {
        lock (_lock)
        {
            return State(collection).Cursor;
        }
    }

    public void SetCursor(string collection, string? cursor)
    {
        lock (_lock)
        {
            State(collection).Cursor = cursor;
        }
    }

    public StoredItem? GetItem(string collection, string itemId)
    {
        lock (_lock)
        {
            return State(collection).Items.GetValueOrDefault(itemId);
        }
    }

    public IReadOnlyList<StoredItem> GetItems(string collection)
    {
        lock (_lock)
        {
            return [.. State(collection).Items.Values.OrderBy(i => i.ItemId, StringComparer.Ordinal)];
        }
    }

    public void SetItem(string collection, StoredItem item)
    {
        lock (_lock)
        {
            State(collection).Items[item.ItemId] = item;
        }
    }

    public void RemoveItem(string collection, string itemId)
    {
        lock (_lock)
        {
            State(collection).Items.Remove(itemId);
        }
    }

    public IReadOnlyList<PendingMutation> GetPending(string collection)
    {
        lock (_lock)
        {
            return [.. State(collection).Pending.Values];
        }
    }

    public void SetPending(string collection, PendingMutation mutation)
    {
        lock (_lock)
        {
            State(collection).Pending[mutation.Id] = mutation;
        }
    }

    public void RemovePending(string collection, long id)
    {
        lock (_lock)
        {
            State(collection).Pending.Remove(id);
        }
    }

    public void Commit()
    {
    }

    private CollectionState State(string collection)
    {
        if (!_collections.TryGetValue(collection, out var state))
        {
            state = new CollectionState();
            _collections.Add(collection, state);
            _order.Add(collection);
        }

        return state;
    }

    private sealed class CollectionState
    {
        public string? Cursor { get; set; }

        public Dictionary<string, StoredItem> Items { get; } = new(StringComparer.Ordinal);

        public SortedDictionary<long, PendingMutation> Pending { get; } = [];
    }
}
