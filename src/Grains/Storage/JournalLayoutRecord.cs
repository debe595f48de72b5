using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// The journal layout one replica is written in, recorded on that replica: blob <c>layout</c> in container
/// <c>{prefix}-layout</c>, with the layout in its metadata (<c>v</c> = 1, <c>layout</c> = 1 or 2, <c>shards</c>).
/// Every silo reads it before it touches the replica's journal, so all silos address one replica the same way whatever
/// their own <c>Storage:GroupCommit</c> says; replicas may differ (docs/adr/0010-group-commit.md, "Migration").
/// <para>
/// A container of its own, not the journal's: emptying a replica's journal for a new layout (<see cref="JournalRelayout"/>)
/// deletes the journal container, and the record must say what the silos rebuild it as.
/// </para>
/// </summary>
internal static class JournalLayoutRecord
{
    public const string BlobName = "layout";
    private const string VersionKey = "v";
    private const string LayoutKey = "layout";
    private const string ShardsKey = "shards";
    private const int FormatVersion = 1;

    public static string ContainerName(string prefix) => prefix.ToLowerInvariant() + "-layout";

    /// <summary>The recorded layout; null when nothing is recorded (a replica written before records, or an empty one).</summary>
    /// <exception cref="JournalLayoutMismatchException">The record is of a format or layout this build does not know.</exception>
    public static async Task<JournalLayout?> ReadAsync(BlobContainerClient container, CancellationToken token)
    {
        BlobProperties properties;
        try
        {
            properties = (await container.GetBlobClient(BlobName).GetPropertiesAsync(cancellationToken: token).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        var metadata = properties.Metadata;
        if (!metadata.TryGetValue(VersionKey, out var version) || version != FormatVersion.ToString(CultureInfo.InvariantCulture)
            || !metadata.TryGetValue(LayoutKey, out var layoutText))
        {
            throw new JournalLayoutMismatchException(
                $"The journal layout record in '{container.Name}/{BlobName}' is of a format this build does not know (version '{(metadata.TryGetValue(VersionKey, out var v) ? v : null)}').");
        }

        return layoutText switch
        {
            "1" => JournalLayout.PerStream,
            "2" when metadata.TryGetValue(ShardsKey, out var shardsText)
                && int.TryParse(shardsText, NumberStyles.None, CultureInfo.InvariantCulture, out var shards)
                && shards is >= 1 and <= JournalLayout.MaxShards => JournalLayout.Sharded(shards),
            _ => throw new JournalLayoutMismatchException(
                $"The journal layout record in '{container.Name}/{BlobName}' names layout '{layoutText}' with shards '{(metadata.TryGetValue(ShardsKey, out var s) ? s : null)}', which this build does not know."),
        };
    }

    /// <summary>Records <paramref name="layout"/> unless something is recorded already; false if another silo recorded first.</summary>
    public static async Task<bool> TryCreateAsync(BlobContainerClient container, JournalLayout layout, CancellationToken token)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: token).ConfigureAwait(false);
        try
        {
            await UploadAsync(container, layout, new BlobRequestConditions { IfNoneMatch = ETag.All }, token).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>Records <paramref name="layout"/>, replacing what was recorded (only when the replica's journal is emptied).</summary>
    public static async Task ReplaceAsync(BlobContainerClient container, JournalLayout layout, CancellationToken token)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: token).ConfigureAwait(false);
        await UploadAsync(container, layout, conditions: null, token).ConfigureAwait(false);
    }

    private static Task UploadAsync(BlobContainerClient container, JournalLayout layout, BlobRequestConditions? conditions, CancellationToken token)
    {
        var metadata = new Dictionary<string, string>
        {
            [VersionKey] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            [LayoutKey] = layout.Version.ToString(CultureInfo.InvariantCulture),
        };
        if (layout.IsSharded)
        {
            metadata[ShardsKey] = layout.Shards.ToString(CultureInfo.InvariantCulture);
        }

        // The text is for people looking at the storage account; silos read only the metadata.
        return container.GetBlobClient(BlobName).UploadAsync(
            BinaryData.FromString($"DeviceSync journal {layout} (docs/adr/0010-group-commit.md)"),
            new BlobUploadOptions { Metadata = metadata, Conditions = conditions },
            token);
    }
}
