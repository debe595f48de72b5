using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Storage;

/// <summary>Rejects sweeper settings that would spin, never run, or never finish, at start.</summary>
internal sealed class ReplicaSweepOptionsValidator : IValidateOptions<ReplicaSweepOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplicaSweepOptions options)
    {
        var failures = new List<string>();
        if (options.Interval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{ReplicaSweepOptions.SectionName}:Interval must be at least 1 second; it is {options.Interval}.");
        }

        if (options.ProbeInterval < TimeSpan.FromMilliseconds(100) || options.ProbeInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{ReplicaSweepOptions.SectionName}:ProbeInterval must be between 100 ms and 5 minutes; it is {options.ProbeInterval}.");
        }

        if (!(options.MaxRepairsPerSecond > 0) || double.IsInfinity(options.MaxRepairsPerSecond))
        {
            failures.Add($"{ReplicaSweepOptions.SectionName}:MaxRepairsPerSecond must be a positive number; it is {options.MaxRepairsPerSecond}.");
        }

        if (options.MaxConcurrentRepairs is < 1 or > 64)
        {
            failures.Add($"{ReplicaSweepOptions.SectionName}:MaxConcurrentRepairs must be between 1 and 64; it is {options.MaxConcurrentRepairs}.");
        }

        if (options.MaxRowsScannedPerSecond < 100)
        {
            failures.Add($"{ReplicaSweepOptions.SectionName}:MaxRowsScannedPerSecond must be at least 100; it is {options.MaxRowsScannedPerSecond}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
