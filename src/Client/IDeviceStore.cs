namespace DeviceSync.Client;

/// <summary>
/// The device's durable state (protocol section 1): per collection its items, cursor and pending mutations, and one
/// mutation counter for the device. The device calls <see cref="Commit"/> at the end of each step that must be atomic
/// (a local edit with its new id; a sync answer with its new cursor); a durable store writes everything since the last
/// commit as one transaction there.
/// </summary>
public interface IDeviceStore
{
    /// <summary>The last mutation id used; never goes down.</summary>
    long LastMutationId { get; }

    /// <summary>The collections this device syncs, in the order they were added.</summary>
    IReadOnlyList<string> Collections { get; }

    /// <summary>Increments the counter and returns the new id.</summary>
    long NextMutationId();

    void AddCollection(string collection);

    string? GetCursor(string collection);

    void SetCursor(string collection, string? cursor);

    StoredItem? GetItem(string collection, string itemId);

    IReadOnlyList<StoredItem> GetItems(string collection);

    void SetItem(string collection, StoredItem item);

    void RemoveItem(string collection, string itemId);

    /// <summary>The collection's pending mutations in id order.</summary>
    IReadOnlyList<PendingMutation> GetPending(string collection);

    /// <summary>Adds a mutation, or replaces the one with the same id.</summary>
    void SetPending(string collection, PendingMutation mutation);

    void RemovePending(string collection, long id);

    void Commit();
}
