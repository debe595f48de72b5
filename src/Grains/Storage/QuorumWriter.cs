namespace DeviceSync.Grains.Storage;

/// <summary>
/// Writes to every replica in parallel and returns as soon as the outcome is decided: W acknowledgements, or
/// too few replicas left to reach W. Writes still in flight finish in the background (each write logs its own failure).
/// </summary>
internal static class QuorumWriter
{
    /// <param name="write">One replica's write; must not throw (it reports failure as <see cref="ReplicaOutcome.Failed"/>).</param>
    public static async Task<QuorumResult> WriteAsync(
        IReadOnlyList<JournalReplica> replicas,
        int quorum,
        Func<JournalReplica, Task<ReplicaWriteResult>> write,
        CancellationToken cancellationToken)
    {
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = new List<ReplicaWriteResult>(replicas.Count);
        var pending = replicas.Count;
        var acknowledged = 0;

        // Task.Run: replica I/O and its continuations stay off the caller's (grain's) scheduler.
        var writes = replicas.Select(replica => Task.Run(() => write(replica))).ToArray();
        foreach (var task in writes)
        {
            _ = task.ContinueWith(
                t =>
                {
                    var result = t.Result;
                    lock (results)
                    {
                        results.Add(result);
                        pending--;
                        if (result.Outcome == ReplicaOutcome.Acknowledged)
                        {
                            acknowledged++;
                        }

                        if (acknowledged >= quorum || acknowledged + pending < quorum)
                        {
                            decided.TrySetResult();
                        }
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        await decided.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        ReplicaWriteResult[] snapshot;
        lock (results)
        {
            snapshot = [.. results];
        }

        return new QuorumResult(snapshot, Task.WhenAll(writes));
    }
}
