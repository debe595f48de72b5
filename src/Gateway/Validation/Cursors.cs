using DeviceSync.Contracts.Sync;

namespace DeviceSync.Gateway.Validation;

/// <summary>
/// Cursors are the canonical decimal form of a version: "0", or digits without a leading zero, at most
/// 2^53−1. No sign, spaces or leading zeros: the server only ever hands out the canonical form.
/// </summary>
public static class Cursors
{
    public static bool TryParse(string? text, out long value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text) || text.Length > 16 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return value <= SyncLimits.MaxSafeInteger;
    }

    public static string Format(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
