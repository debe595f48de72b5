using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Backup;

/// <summary>Stops a silo at start on a backup setting that could not work, with the reason.</summary>
internal sealed class BackupOptionsValidator : IValidateOptions<BackupOptions>
{
    /// <summary>Table names are at most 63 characters; we append "backup" (and "-backup" for the container).</summary>
    internal const int MaxTablePrefixLength = 50;

    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var failures = new List<string>();
        var section = BackupOptions.SectionName;
        var prefix = options.TablePrefix;
        if (string.IsNullOrEmpty(prefix) || prefix.Length > MaxTablePrefixLength || !char.IsAsciiLetter(prefix[0]) || !prefix.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"{section}:TablePrefix must be 1-{MaxTablePrefixLength} ASCII letters or digits, starting with a letter.");
        }

        if (options.CopyInterval <= TimeSpan.Zero || options.CopyInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{section}:CopyInterval must be positive and at most 00:01:00 (backups are promised within seconds).");
        }

        if (options.MaxPendingEntries < 1000)
        {
            failures.Add($"{section}:MaxPendingEntries must be at least 1000.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{section}:RequestTimeout must be positive.");
        }

        if (options.VerificationRefresh <= TimeSpan.Zero)
        {
            failures.Add($"{section}:VerificationRefresh must be positive.");
        }

        if (options.MaxUnverifiedAge <= TimeSpan.Zero)
        {
            failures.Add($"{section}:MaxUnverifiedAge must be positive.");
        }

        if (!(options.CatchUpReadsPerSecond > 0))
        {
            failures.Add($"{section}:CatchUpReadsPerSecond must be positive.");
        }

        if (options.CatchUpGrace < options.CopyInterval || options.CatchUpGrace > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{section}:CatchUpGrace must be at least {section}:CopyInterval and at most 00:10:00 (a shorter grace takes every stream being copied for one that lags).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
