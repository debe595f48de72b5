using System.Globalization;

namespace DeviceSync.LoadTest.Commands;

/// <summary>Durations on the command line: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or a bare number of seconds.</summary>
public static class DurationParser
{
    public static TimeSpan Parse(string name, string value, bool allowZero = false)
    {
        var (digits, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : value.EndsWith('h') ? (value[..^1], 3600.0)
            : (value, 1.0);
        return double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && (n > 0 || (allowZero && n == 0))
            ? TimeSpan.FromSeconds(n * unit)
            : throw new UsageException($"{name}: '{value}' is not a duration such as 30s, 2m or 500ms");
    }
}
