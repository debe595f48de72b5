using System.CommandLine;
using System.Globalization;
using DeviceSync.Grains.Backup;

namespace DeviceSync.Ops.Backups;

/// <summary>The options every backup command shares: where the backup store is, and the gateway for admin calls.</summary>
internal static class BackupCommandOptions
{
    public static Option<string?> Backup() => new("--backup")
    {
        Description = "the backup store's connection string [default: $DEVICESYNC_BACKUP, else what run.sh wrote to $DEVICESYNC_DATA/run/backup.connection (./.data/run)]",
    };

    public static Option<string> Prefix() => new("--backup-prefix")
    {
        Description = "the silos' Backup:TablePrefix",
        DefaultValueFactory = _ => new BackupOptions().TablePrefix,
    };

    public static Option<Uri> Gateway() => OpsCommandLine.GatewayOption("the gateway, for the admin routes");

    public static Option<string?> AdminKey() => new("--admin-key")
    {
        Description = "X-Admin-Key for /v1/admin/* [default: $SYNC_ADMIN_KEY, else run.sh's local-dev-admin-key]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SYNC_ADMIN_KEY") ?? "local-dev-admin-key",
    };

    /// <summary>The backup store from the option, the environment or run.sh's run folder; null (with a message) when none is known.</summary>
    public static BackupStore? OpenStore(string? connectionString, string prefix)
    {
        connectionString = OpsCommandLine.ConnectionString(connectionString, "DEVICESYNC_BACKUP", "backup.connection");
        if (connectionString is null)
        {
            Console.Error.WriteLine("error: no backup store: pass --backup, set $DEVICESYNC_BACKUP, or run this next to ./run.sh's .data/");
            return null;
        }

        return new BackupStore(connectionString, prefix, TimeSpan.FromSeconds(30));
    }

    /// <summary>"latest" (null) or an ISO-8601 time; a time without an offset is refused rather than guessed.</summary>
    public static bool TryParsePoint(string text, out DateTimeOffset? point)
    {
        point = null;
        if (string.Equals(text, "latest", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || text.Contains('+', StringComparison.Ordinal) || text.LastIndexOf('-') > 10;
        if (hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            point = parsed;
            return true;
        }

        return false;
    }

    public static string Format(DateTimeOffset? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";
}
