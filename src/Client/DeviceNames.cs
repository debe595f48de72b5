using System.Text.RegularExpressions;

namespace DeviceSync.Client;

/// <summary>The protocol's name rules (section 3), checked before an edit is queued so a bad name never blocks the queue.</summary>
internal static partial class DeviceNames
{
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    public static partial Regex Collection();

    [GeneratedRegex("^[A-Za-z0-9._~-]{1,128}$", RegexOptions.CultureInvariant)]
    public static partial Regex ItemId();
}
