namespace DeviceSync.Grains.Storage;

/// <summary>
/// Writes to every replica in parallel and returns as soon as the outcome is decided: W acknowledgements, or
/// too few replicas left to reach W. Writes still in flight finish in the background (each write logs its own failure).
/// </summary>
internal static class QuorumWriter
{
    /// <param name="writes">One started write per replica; none may fault (failure is <see cref="ReplicaOutcome.Failed"/>).</param>
    public static async Task<QuorumResult> WriteAsync(IReadOnlyList<Task<ReplicaWriteResult>> writes, int quorum, CancellationToken cancellationToken)
    {
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var results = new List<ReplicaWriteResult>(writes.Count);
        var pending = writes.Count;
        var acknowledged = 0;
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
