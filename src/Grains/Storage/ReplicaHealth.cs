namespace DeviceSync.Grains.Storage;

/// <summary>
/// This silo's view of one replica: its state as its marker last said (the marker on the replica is the shared truth;
/// this is a cache refreshed by every open and by the health probe), the last failed request, and repair counts.
/// Thread-safe. Error details are exception type names only: never messages, which can carry URIs with SAS tokens.
/// </summary>
public sealed class ReplicaHealth(int replica, TimeProvider time)
{
    private readonly Lock _gate = new();
    private ReplicaState _state;
    private string? _reason;
    private DateTimeOffset? _since;
    private DateTimeOffset? _lastErrorAt;
    private string? _lastErrorKind;
    private DateTimeOffset? _lastSuccessAt;
    private long _repairsWritten;
    private int? _streamsBehind;

    public int Replica => replica;

    /// <summary>Whether this replica's acknowledgements count toward W (and its views toward R): healthy only.</summary>
    public bool Counts
    {
        get
        {
            lock (_gate)
            {
                return _state == ReplicaState.Healthy;
            }
        }
    }

    public ReplicaState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public ReplicaHealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new ReplicaHealthSnapshot(replica, _state, _reason, _since, _lastErrorAt, _lastErrorKind, _lastSuccessAt, _repairsWritten, _streamsBehind);
        }
    }

    internal void Observe(ReplicaMarker marker)
    {
        lock (_gate)
        {
            var state = marker.State;
            var reason = state == ReplicaState.Healthy ? null
                : marker.RowState == ReplicaState.Unknown ? "identity marker missing (replica wiped or replaced)"
                : marker.RowState == ReplicaState.Healthy ? "marker blob missing (container lost)"
                : marker.Reason;
            if (state != _state || reason != _reason)
            {
                _since = marker.Since ?? time.GetUtcNow();
            }

            _state = state;
            _reason = reason;
            _lastSuccessAt = time.GetUtcNow();
        }
    }

    /// <summary>This silo found the replica's data gone (or marked it so): unhealed from now on, before any other silo notices.</summary>
    internal void MarkUnhealed(string reason)
    {
        lock (_gate)
        {
            if (_state != ReplicaState.Unhealed)
            {
                _since = time.GetUtcNow();
            }

            _state = ReplicaState.Unhealed;
            _reason = reason;
        }
    }

    internal void RecordError(Exception exception)
    {
        lock (_gate)
        {
            _lastErrorAt = time.GetUtcNow();
            _lastErrorKind = (exception is AggregateException { InnerException: { } inner } ? inner : exception).GetType().Name;
        }
    }

    internal void RecordRepairs(int written) => Interlocked.Add(ref _repairsWritten, written);

    internal void RecordStreamsBehind(int streams)
    {
        lock (_gate)
        {
            _streamsBehind = streams;
        }
    }
}
