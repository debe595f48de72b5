namespace DeviceSync.Gateway.Events;

/// <summary>
/// The event sockets this gateway holds for one account, and the account's one subscription (PROTOCOL.md "Events":
/// one subscription per account per gateway, however many of its devices are connected). Frames to the account go
/// through one chain, so a socket never has two sends at once and every device sees the account's events in order.
/// </summary>
public sealed class AccountSockets(string accountId)
{
    private readonly List<EventConnection> _connections = new(2);
    private Task _tail = Task.CompletedTask;

    public string AccountId => accountId;

    /// <summary>The events grain activation holding this gateway's subscription; null until the first subscription succeeded.</summary>
    public Guid? Incarnation { get; set; }

    /// <summary>The first subscription, shared by every socket that connects while it runs.</summary>
    public Task? Subscribing { get; set; }

    /// <summary>Removed from the hub (its last socket left); a socket that finds it so joins a fresh one.</summary>
    public bool Retired { get; private set; }

    public int Count
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    public bool TryAdd(EventConnection connection)
    {
        lock (_connections)
        {
            if (Retired)
            {
                return false;
            }

            _connections.Add(connection);
            return true;
        }
    }

    /// <summary>Removes the connection; true when it was the last one (the entry is then retired).</summary>
    public bool Remove(EventConnection connection)
    {
        lock (_connections)
        {
            _connections.Remove(connection);
            if (_connections.Count == 0)
            {
                Retired = true;
                return true;
            }

            return false;
        }
    }

    public EventConnection[] Snapshot()
    {
        lock (_connections)
        {
            return [.. _connections];
        }
    }

    /// <summary>Runs <paramref name="send"/> after everything enqueued before it for this account; the task never faults.</summary>
    public Task Enqueue(Func<Task> send)
    {
        lock (_connections)
        {
            return _tail = RunAfterAsync(_tail, send);
        }
    }

    private static async Task RunAfterAsync(Task previous, Func<Task> send)
    {
        await previous.ConfigureAwait(false); // never faults: see below
        try
        {
            await send().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Each send already turns a failing socket into an aborted one; nothing here may break the chain.
        }
    }
}
