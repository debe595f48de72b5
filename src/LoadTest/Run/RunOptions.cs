namespace DeviceSync.LoadTest.Run;

/// <summary>Everything <c>run</c> was told, with defaults filled in.</summary>
public sealed record RunOptions
{
    public required Uri Gateway { get; init; }
    public string? AdminKey { get; init; }
    public int Accounts { get; init; } = 500;
    public int DevicesPerAccount { get; init; } = 2;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Closed loop: this many devices in flight at once (default: every device).</summary>
    public int? Concurrency { get; init; }

    /// <summary>Open loop: start this many operations per second, whatever the latency.</summary>
    public double? Rate { get; init; }

    /// <summary>Start the load gradually over this long (linear), inside <see cref="Duration"/>; zero: all at once.</summary>
    public TimeSpan RampUp { get; init; } = TimeSpan.Zero;

    public OperationMix Mix { get; init; } = OperationMix.Parse(OperationMix.Default);
    public IReadOnlyList<ScheduledCommand> At { get; init; } = [];
    public string? ReportDirectory { get; init; }
    public int ItemBytes { get; init; } = 200;
    public int SharedItemsPerAccount { get; init; } = 4;
    public int ProvisionBatch { get; init; } = 500;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one operation keeps resending after 503/429/transport errors before it counts as a failure.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The run injects data loss on purpose (wiped replicas, a restore): a <c>resync</c> is then expected and only
    /// counted. Without it every resync is also an <c>unexpected-resync</c> violation (the devices still hand their
    /// data back), because a cluster that lost nothing should never be behind a device.
    /// </summary>
    public bool ExpectDataLoss { get; init; }

    public bool Plain { get; init; }
    public int Seed { get; init; } = Environment.TickCount;
    public string CommandLine { get; init; } = "";

    /// <summary>Names this run's accounts so that runs against the same cluster never collide.</summary>
    public string RunId { get; init; } = DateTime.UtcNow.ToString("MMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

    public int Devices => Accounts * DevicesPerAccount;

    public bool OpenLoop => Rate is not null;

    public int ClosedLoopConcurrency => Math.Min(Concurrency ?? Devices, Devices);
}
