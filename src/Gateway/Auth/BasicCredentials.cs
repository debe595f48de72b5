using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace DeviceSync.Gateway.Auth;

/// <summary>Reads <c>Authorization: Basic base64(accountId:password)</c>.</summary>
public static class BasicCredentials
{
    private const int MaxHeaderLength = 2048;

    public static bool TryParse(string? header, [NotNullWhen(true)] out string? accountId, [NotNullWhen(true)] out string? password)
    {
        accountId = password = null;
        if (header is null || header.Length > MaxHeaderLength || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var encoded = header.AsSpan(6).Trim();
        var buffer = new byte[((encoded.Length + 3) / 4) * 3];
        if (!Convert.TryFromBase64Chars(encoded, buffer, out var written))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        accountId = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }
}
