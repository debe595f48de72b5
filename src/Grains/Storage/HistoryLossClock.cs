namespace DeviceSync.Grains.Storage;

/// <summary>
/// The cluster's history-loss generation as this silo knows it: the highest value read from any replica's identity
/// marker. A sweep that heals replicas while fewer healthy ones remained than it takes to intersect every write quorum
/// (N − W + 1) cannot prove that every acknowledged entry survived, so it raises the generation on every replica before
/// marking any healthy. A stream opened under an older generation refuses to write (it may hold what storage lost and
/// would leave a hole), and its owner starts a new epoch on reopening, so no version is ever handed out twice
/// (PROTOCOL.md, "Versions"). Never decreases while the silo runs; replicas keep it in their marker rows.
/// </summary>
internal sealed class HistoryLossClock
{
    private long _generation;

    public long Current => Interlocked.Read(ref _generation);

    /// <summary>Raises the known generation to <paramref name="generation"/> if it is higher.</summary>
    public void Observe(long generation)
    {
        var known = Interlocked.Read(ref _generation);
        while (generation > known)
        {
            var previous = Interlocked.CompareExchange(ref _generation, generation, known);
            if (previous == known)
            {
                return;
            }

            known = previous;
        }
    }
}
