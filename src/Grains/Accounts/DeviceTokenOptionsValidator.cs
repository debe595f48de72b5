using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Accounts;

/// <summary>Rejects unusable token keys at start, with the setting's name (never its value).</summary>
internal sealed class DeviceTokenOptionsValidator : IValidateOptions<DeviceTokenOptions>
{
    public ValidateOptionsResult Validate(string? name, DeviceTokenOptions options)
    {
        var failures = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.TokenKeys.Count; i++)
        {
            var key = options.TokenKeys[i];
            var setting = $"{DeviceTokenOptions.SectionName}:TokenKeys:{i}";
            if (!SignedTokenSecret.IsValidKeyId(key.Id))
            {
                failures.Add($"{setting}:Id must be 1-{SignedTokenSecret.MaxKeyIdLength} ASCII letters, digits, '-' or '_'.");
            }
            else if (!ids.Add(key.Id))
            {
                failures.Add($"{setting}:Id '{key.Id}' is listed twice.");
            }

            if (DeviceTokenKeys.DecodeKey(key.Key) is not { Length: >= SignedTokenSecret.MinKeyBytes })
            {
                failures.Add($"{setting}:Key must be base64 of at least {SignedTokenSecret.MinKeyBytes} bytes.");
            }
        }

        if (options.Readmission.Enabled && options.TokenKeys.Count == 0)
        {
            failures.Add($"{DeviceTokenOptions.SectionName}:Readmission:Enabled needs {DeviceTokenOptions.SectionName}:TokenKeys: without a key no token can be verified.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
