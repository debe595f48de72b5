namespace DeviceSync.LoadTest.Commands;

/// <summary>Everything the command line said, with defaults filled in.</summary>
public sealed record BenchOptions
{
    public required BenchWorkloadKind Workload { get; init; }
    public required Uri Gateway { get; init; }
    public string? AdminKey { get; init; }
    public int Devices { get; init; } = 64;
    public int Concurrency { get; init; } = 16;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>nochange: polls before the measured phase, not recorded (the peers' loads warm up the same way).</summary>
    public TimeSpan Warmup { get; init; }
    public int ItemsPerRequest { get; init; } = 1;
    public int ItemBytes { get; init; } = 200;
    public int Items { get; init; } = 20_000;
    public int Page { get; init; } = 500;
    public int Readers { get; init; } = 16;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public string? JsonPath { get; init; }
    public bool SkipReadBack { get; init; }

    /// <summary>Names this run's accounts so that runs against the same cluster never collide.</summary>
    public string RunId { get; init; } = DateTime.UtcNow.ToString("MMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
}
