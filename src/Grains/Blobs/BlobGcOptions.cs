namespace DeviceSync.Grains.Blobs;

/// <summary>Blob garbage collection (section <c>Blobs:Gc</c>; docs/adr/0009-blob-garbage-collection.md).</summary>
public sealed class BlobGcOptions
{
    public const string SectionName = "Blobs:Gc";

    /// <summary>Collect at all. Off, nothing is ever deleted (the state before ADR 0009) and the admin view still reports.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long a blob must stay unreferenced, and not uploaded again, before it is collected: the first scan that finds it
    /// unreferenced marks it, and only a scan at least this much later may drop it. It is also how long a device may take
    /// between uploading a blob and writing the item that refers to it.
    /// </summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often each account's index is scanned (after a repair sweep, one account at a time, on the sweeper's silo).</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromHours(1);
}
