using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Blobs;

/// <summary>Rejects garbage-collection settings that would collect without a grace period or scan without pause, at start.</summary>
internal sealed class BlobGcOptionsValidator : IValidateOptions<BlobGcOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobGcOptions options)
    {
        var failures = new List<string>();
        if (options.GracePeriod < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{BlobGcOptions.SectionName}:GracePeriod must be at least 1 second; it is {options.GracePeriod}.");
        }

        if (options.ScanInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{BlobGcOptions.SectionName}:ScanInterval must be at least 1 second; it is {options.ScanInterval}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
