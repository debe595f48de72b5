using Microsoft.Extensions.Options;

namespace DeviceSync.Grains.Backup;

/// <summary>This process's backup store, or none when <c>Backup:ConnectionString</c> is empty (backups off).</summary>
public sealed class BackupConnection
{
    public BackupConnection(IOptions<BackupOptions> options)
    {
        var value = options.Value;
        Store = value.Enabled ? new BackupStore(value.ConnectionString, value.TablePrefix, value.RequestTimeout) : null;
        Reader = Store is null ? null : new BackupReader(Store);
    }

    /// <summary>A connection to a given store (tests).</summary>
    internal BackupConnection(BackupStore store)
    {
        Store = store;
        Reader = new BackupReader(store);
    }

    public BackupStore? Store { get; }

    public BackupReader? Reader { get; }
}
