using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Blobs;

/// <summary>The silos' rules for <c>Storage:*</c> (ReplicationOptionsValidator), for the part the gateway reads; none set is fine (no blobs).</summary>
internal sealed class BlobStorageOptionsValidator : IValidateOptions<BlobStorageOptions>
{
    private const int MaxTablePrefixLength = 50;

    public ValidateOptionsResult Validate(string? name, BlobStorageOptions options)
    {
        var n = options.Replicas.Count;
        if (n == 0)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (options.Replicas.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("Storage:Replicas contains an empty connection string.");
        }

        if (options.Replicas.Distinct(StringComparer.OrdinalIgnoreCase).Count() != n)
        {
            failures.Add("Storage:Replicas lists the same replica twice; replicas must be independent.");
        }

        if (options.WriteQuorum < 1 || options.WriteQuorum > n)
        {
            failures.Add($"Storage:WriteQuorum must be between 1 and the number of replicas ({n}); it is {options.WriteQuorum}.");
        }

        var prefix = options.TablePrefix;
        if (string.IsNullOrEmpty(prefix) || prefix.Length > MaxTablePrefixLength || !char.IsAsciiLetter(prefix[0]) || !prefix.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add($"Storage:TablePrefix must be 1-{MaxTablePrefixLength} ASCII letters or digits, starting with a letter.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
