namespace DeviceSync.Grains.Storage;

/// <summary>
/// Writes to every replica in parallel and returns as soon as the outcome is decided: W acknowledgements from replicas
/// that count, or too few of those left to reach W. Writes still in flight finish in the background (each write logs
/// its own failure).
/// </summary>
internal static class QuorumWriter
{
    /// <param name="writes">One started write per replica, indexed by replica; none may fault (failure is <see cref="ReplicaOutcome.Failed"/>).</param>
    /// <param name="counts">Whether a replica's acknowledgement counts toward <paramref name="quorum"/>. An unhealed replica's
    /// does not: it forgot what it acknowledged before, so it cannot be part of the fence that two overlapping write
    /// quorums form against a stale writer (README.md, "Replica identity"). It is still written to, so it fills.</param>
    public static async Task<QuorumResult> WriteAsync(
        IReadOnlyList<Task<ReplicaWriteResult>> writes, int quorum, Func<int, bool> counts, CancellationToken cancellationToken)
    {
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = new List<ReplicaWriteResult>(writes.Count);
        var counted = Enumerable.Range(0, writes.Count).Select(counts).ToArray();
        var pendingCounted = counted.Count(c => c);
        var acknowledged = 0;
        if (pendingCounted < quorum)
        {
            decided.TrySetResult();
        }

        for (var i = 0; i < writes.Count; i++)
        {
            var countsHere = counted[i];
            _ = writes[i].ContinueWith(
                t =>
                {
                    var result = t.Result;
                    lock (results)
                    {
                        results.Add(result);
                        if (countsHere)
                        {
                            pendingCounted--;
                            if (result.Outcome == ReplicaOutcome.Acknowledged)
                            {
                                acknowledged++;
                            }
                        }

                        // A conflict anywhere decides nothing by itself: the writer is fenced only if W is out of reach.
                        if (acknowledged >= quorum || acknowledged + pendingCounted < quorum)
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
        int acknowledgedAtDecision;
        lock (results)
        {
            snapshot = [.. results];
            acknowledgedAtDecision = acknowledged;
        }

        return new QuorumResult(snapshot, Task.WhenAll(writes), acknowledgedAtDecision);
    }
}
