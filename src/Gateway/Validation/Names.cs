using System.Text.RegularExpressions;

namespace DeviceSync.Gateway.Validation;

/// <summary>The name rules of PROTOCOL.md ("Names and limits").</summary>
public static partial class Names
{
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;
    public const int MaxDeviceNameLength = 128;
    public const int MaxPlatformLength = 64;

    /// <summary>22 base64url characters carry 128 bits: the least a provision id, from which tokens are derived, may have.</summary>
    public const int MinProvisionIdLength = 22;
    public const int MaxProvisionIdLength = 128;

    public static bool IsAccountId(string? value) => value is not null && AccountIdPattern().IsMatch(value);

    public static bool IsCollectionName(string? value) => value is not null && CollectionNamePattern().IsMatch(value);

    public static bool IsItemId(string? value) => value is not null && ItemIdPattern().IsMatch(value);

    public static bool IsProvisionId(string? value) => value is not null && ProvisionIdPattern().IsMatch(value);

    /// <summary>Length in characters (Unicode scalar values, so an emoji counts once).</summary>
    public static int CharacterCount(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    public static bool HasLength(string value, int min, int max)
    {
        if (value.Length < min || value.Length > max * 2)
        {
            return false;
        }

        var count = CharacterCount(value);
        return count >= min && count <= max;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CollectionNamePattern();

    [GeneratedRegex("^[A-Za-z0-9._~-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ItemIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{22,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ProvisionIdPattern();
}
