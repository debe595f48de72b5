namespace DeviceSync.LoadTest.Events;

/// <summary>What one harness process (one shard) of an <c>events</c> run does.</summary>
public sealed record EventsRunOptions
{
    public required Uri Gateway { get; init; }

    public string? AdminKey { get; init; }

    /// <summary>Sockets this process opens (its share of the run's total).</summary>
    public required int Sockets { get; init; }

    public int DevicesPerAccount { get; init; } = 100;

    /// <summary>Loopback source addresses from 127.0.0.2 on; 0 = one address chosen by the system.</summary>
    public int SourceAddresses { get; init; } = 8;

    public int ShardIndex { get; init; }

    public int ShardCount { get; init; } = 1;

    /// <summary>Sockets opened per second while ramping up.</summary>
    public double ConnectRate { get; init; } = 500;

    /// <summary>Handshakes in flight at once at most.</summary>
    public int ConnectConcurrency { get; init; } = 64;

    /// <summary>How long every socket is held open and idle before the writes start (memory is measured meanwhile).</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Accounts of this process that get writes: all their sockets are the receiving ones.</summary>
    public int WriteAccounts { get; init; }

    public int WritesPerAccount { get; init; } = 5;

    /// <summary>Pause between two writes of one account: longer than the coalescing interval (250 ms), so no event is held back.</summary>
    public TimeSpan WriteInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A socket that has not had a write's event this long after the write's answer counts as a missing delivery.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public required string RunId { get; init; }

    public string CommandLine { get; init; } = "";

    /// <summary>Where progress lines go.</summary>
    public TextWriter Output { get; init; } = Console.Out;
}
