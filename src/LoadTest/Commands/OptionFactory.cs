using System.CommandLine;
using System.CommandLine.Parsing;

namespace DeviceSync.LoadTest.Commands;

/// <summary>The typed options both verbs share the shape of: bounded integers, durations, http(s) addresses.</summary>
public static class OptionFactory
{
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                r.AddError($"{name}: {value} is not from {min} to {max}");
            }
        });
        return option;
    }

    public static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue, bool allowZero = false) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => Parse(r, v => DurationParser.Parse(name, v, allowZero)),
        };

    public static Option<Uri> Gateway() =>
        new("--gateway")
        {
            Description = "the gateway's base address",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"),
            CustomParser = r => Parse(r, v =>
                Uri.TryCreate(v, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https")
                    ? uri
                    : throw new UsageException($"--gateway: '{v}' is not an http(s) address"))!,
        };

    public static Option<string?> AdminKey() =>
        new("--admin-key")
        {
            Description = "X-Admin-Key for /v1/admin/provision (default: $SYNC_ADMIN_KEY)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SYNC_ADMIN_KEY"),
        };

    /// <summary>Runs <paramref name="parse"/> on the option's single value; a <see cref="UsageException"/> becomes a parse error.</summary>
    public static T Parse<T>(ArgumentResult result, Func<string, T> parse)
    {
        try
        {
            return parse(result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value);
        }
        catch (UsageException e)
        {
            result.AddError(e.Message);
            return default!;
        }
    }

    /// <summary>The command line as typed, with the admin key masked, for reports.</summary>
    public static string Describe(IReadOnlyList<string> args) =>
        string.Join(' ', args.Select((a, i) => i > 0 && args[i - 1] == "--admin-key" ? "***" : a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
}
