using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Storage;

/// <summary>Rejects a replica set that could not keep the "two independent copies" promise, at start.</summary>
internal sealed class ReplicationOptionsValidator : IValidateOptions<ReplicationOptions>
{
    /// <summary>Table and container names are at most 63 characters; we append "journal2", and "-journal", "-layout" and
    /// "-backup-blobs" for containers.</summary>
    internal const int MaxTablePrefixLength = 50;

    public ValidateOptionsResult Validate(string? name, ReplicationOptions options)
    {
        var failures = new List<string>();
        var n = options.Replicas.Count;
        if (n == 0)
        {
            failures.Add($"{ReplicationOptions.SectionName}:Replicas must list at least one connection string.");
        }

        if (options.Replicas.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{ReplicationOptions.SectionName}:Replicas contains an empty connection string.");
        }

        if (options.Replicas.Distinct(StringComparer.OrdinalIgnoreCase).Count() != n)
        {
            failures.Add($"{ReplicationOptions.SectionName}:Replicas lists the same replica twice; replicas must be independent.");
        }

        if (options.WriteQuorum < 1 || options.WriteQuorum > n)
        {
            failures.Add($"{ReplicationOptions.SectionName}:WriteQuorum must be between 1 and the number of replicas ({n}); it is {options.WriteQuorum}.");
        }
        else if (options.ReadQuorum + options.WriteQuorum <= n)
        {
            // Always true with R = N - W + 1; kept so that a future configurable R cannot silently break the overlap.
            failures.Add($"{ReplicationOptions.SectionName}: read quorum {options.ReadQuorum} + write quorum {options.WriteQuorum} must exceed {n}.");
        }

        var prefix = options.TablePrefix;
        if (string.IsNullOrEmpty(prefix) || prefix.Length > MaxTablePrefixLength || !char.IsAsciiLetter(prefix[0]) || !prefix.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"{ReplicationOptions.SectionName}:TablePrefix must be 1-{MaxTablePrefixLength} ASCII letters or digits, starting with a letter.");
        }

        if (options.ReplicaTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{ReplicationOptions.SectionName}:ReplicaTimeout must be positive.");
        }

        if (options.MaxConcurrentOpens < 1)
        {
            failures.Add($"{ReplicationOptions.SectionName}:MaxConcurrentOpens must be at least 1.");
        }

        if (options.MaxConnectionsPerReplica < 0)
        {
            failures.Add($"{ReplicationOptions.SectionName}:MaxConnectionsPerReplica must be 0 (no limit) or more; it is {options.MaxConnectionsPerReplica}.");
        }

        if (options.GroupCommit.Enabled && options.GroupCommit.Shards is < 1 or > JournalLayout.MaxShards)
        {
            failures.Add($"{ReplicationOptions.SectionName}:GroupCommit:Shards must be between 1 and {JournalLayout.MaxShards}; it is {options.GroupCommit.Shards}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
