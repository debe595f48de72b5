namespace DeviceSync.Grains.Storage;

/// <summary>The sweeper's progress: the sweep running now (if any) and the last one completed. Thread-safe.</summary>
public sealed class SweepProgress
{
    private readonly Lock _gate = new();

    public bool Running { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public long StreamsTotal { get; private set; }

    public long StreamsChecked { get; private set; }

    public long StreamsBehind { get; private set; }

    public long StreamsRepaired { get; private set; }

    public long RepairsFailed { get; private set; }

    public DateTimeOffset? LastCompletedAt { get; private set; }

    public TimeSpan? LastDuration { get; private set; }

    /// <summary>"completed" or "failed: {exception type}" for the last sweep that ended.</summary>
    public string? LastOutcome { get; private set; }

    public IReadOnlyList<int> LastHealed { get; private set; } = [];

    internal void Start(DateTimeOffset now)
    {
        lock (_gate)
        {
            Running = true;
            StartedAt = now;
            StreamsTotal = StreamsChecked = StreamsBehind = StreamsRepaired = RepairsFailed = 0;
        }
    }

    internal void Scanned(long streams, long behind)
    {
        lock (_gate)
        {
            StreamsTotal = streams;
            StreamsBehind = behind;
        }
    }

    internal void Checked(long streams)
    {
        lock (_gate)
        {
            StreamsChecked = streams;
        }
    }

    /// <summary>One stream behind somewhere was repaired (or failed to be): it counts as checked too.</summary>
    internal void Repaired(bool succeeded)
    {
        lock (_gate)
        {
            StreamsChecked++;
            if (succeeded)
            {
                StreamsRepaired++;
            }
            else
            {
                RepairsFailed++;
            }
        }
    }

    internal void Finish(DateTimeOffset now, string outcome, IReadOnlyList<int> healed)
    {
        lock (_gate)
        {
            Running = false;
            LastOutcome = outcome;
            if (outcome == "completed")
            {
                LastCompletedAt = now;
                LastDuration = now - StartedAt;
                LastHealed = healed;
                StreamsChecked = StreamsTotal;
            }
        }
    }
}
