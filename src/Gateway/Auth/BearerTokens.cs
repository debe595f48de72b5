using System.Diagnostics.CodeAnalysis;

namespace DeviceSync.Gateway.Auth;

/// <summary>Reads <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
public static class BearerTokens
{
    public static bool TryRead(string? header, [NotNullWhen(true)] out string? token)
    {
        token = null;
        if (header is null || header.Length > 1024 || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var value = header[7..].Trim();
        if (value.Length == 0)
        {
            return false;
        }

        token = value;
        return true;
    }
}
