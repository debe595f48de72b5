using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DeviceSync.Grains.Storage;

namespace DeviceSync.Grains.Backup;

/// <summary>
/// The backup storage account (docs/adr/0005-backups-and-restore.md): per stream and generation a partition of entry
/// rows (RowKey = sequence) with a <c>~tail</c> row written in the same transaction, snapshot blobs, an index partition
/// naming each stream's current generation, and the drill's verification records. Entries are immutable once
/// acknowledged, so every write is an upsert and shipping twice is harmless.
/// </summary>
public sealed class BackupStore
{
    public const int MaxRowsPerTransaction = 100;

    /// <summary>Azure Table limits a transaction's body to 4 MiB; batches stay well under it.</summary>
    public const long MaxTransactionPayload = 2 * 1024 * 1024;

    private const int ChunkSize = 64 * 1024;

    /// <summary>Payloads up to this size live in the row; larger ones in a blob the row names.</summary>
    private const int MaxInlinePayload = 8 * ChunkSize;

    private const string IndexPartition = "streams";
    private const string TailRow = "~tail";
    private const string StreamKeyProperty = "StreamKey";
    private const string GenerationProperty = "Generation";
    private const string OldestGenerationProperty = "OldestGeneration";
    private const string EntryIdProperty = "EntryId";
    private const string AtProperty = "At";
    private const string HashProperty = "Hash";
    private const string LengthProperty = "Length";
    private const string BlobProperty = "Blob";
    private const string AtMetadata = "at";

    private static readonly string[] ChunkProperties =
        Enumerable.Range(0, MaxInlinePayload / ChunkSize).Select(i => "P" + i.ToString("D2", CultureInfo.InvariantCulture)).ToArray();

    private readonly TableClient _table;
    private readonly BlobContainerClient _container;
    private readonly Lock _gate = new();
    private Task? _created;

    public BackupStore(string connectionString, string tablePrefix, TimeSpan requestTimeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentException.ThrowIfNullOrEmpty(tablePrefix);
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.NetworkTimeout = requestTimeout;
        tableOptions.Retry.MaxRetries = 2;
        var blobOptions = new BlobClientOptions();
        blobOptions.Retry.NetworkTimeout = requestTimeout;
        blobOptions.Retry.MaxRetries = 2;
        var clients = new ReplicaClients(connectionString, tableOptions, blobOptions);
        ConnectionString = connectionString;
        TablePrefix = tablePrefix;
        _table = clients.Tables.GetTableClient(tablePrefix + "backup");
        _container = clients.Blobs.GetBlobContainerClient(tablePrefix.ToLowerInvariant() + "-backup");
        Tables = clients.Tables;
        Blobs = clients.Blobs;
    }

    public string TablePrefix { get; }

    /// <summary>The account's connection string (the drill builds a scratch journal on the same account).</summary>
    internal string ConnectionString { get; }

    /// <summary>The account's service clients (the drill builds its scratch journal on the same account).</summary>
    internal TableServiceClient Tables { get; }

    internal BlobServiceClient Blobs { get; }

    internal TableClient Table => _table;

    public static string Partition(string streamKey, int generation) =>
        StreamKeyEncoding.Encode(streamKey) + "~g" + generation.ToString(CultureInfo.InvariantCulture);

    public static string RowKey(long sequence) => sequence.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Deletes a journal's table and container on this account (the drill's scratch journal under <paramref name="tablePrefix"/>).</summary>
    public async Task DeleteJournalAsync(string tablePrefix, CancellationToken ct = default)
    {
        await Tables.DeleteTableAsync(JournalNames.TableName(tablePrefix), ct).ConfigureAwait(false);
        try
        {
            await Blobs.DeleteBlobContainerAsync(JournalNames.ContainerName(tablePrefix), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No blob was ever written there.
        }
    }

    /// <summary>A journal store on this account under <paramref name="tablePrefix"/>, one replica, W = 1: scratch space for drills.</summary>
    public AzureJournalStore OpenScratchJournal(string tablePrefix) =>
        new(new ReplicationOptions { Replicas = [ConnectionString], WriteQuorum = 1, TablePrefix = tablePrefix },
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, extraPolicy: null);

    // ---- index ----

    /// <summary>The stream's current generation; null when the backup has never seen the stream.</summary>
    public async Task<int?> ReadGenerationAsync(string streamKey, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(IndexPartition, StreamKeyEncoding.Encode(streamKey), cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value!.GetInt32(GenerationProperty) : null;
    }

    public async Task WriteGenerationAsync(string streamKey, int generation, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var row = new TableEntity(IndexPartition, StreamKeyEncoding.Encode(streamKey))
        {
            [StreamKeyProperty] = streamKey,
            [GenerationProperty] = generation,
        };

        // Merge, not replace: the row also says which old generations retention removed (OldestGeneration).
        await _table.UpsertEntityAsync(row, TableUpdateMode.Merge, ct).ConfigureAwait(false);
    }

    /// <summary>Every stream the backup knows whose key starts with <paramref name="streamKeyPrefix"/>, in key order.</summary>
    public async Task<IReadOnlyList<BackupStreamRef>> ListStreamsAsync(string streamKeyPrefix = "", CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var filter = $"PartitionKey eq '{IndexPartition}'";
        if (streamKeyPrefix.Length > 0)
        {
            // Encoding keeps the prefix's order as long as the prefix ends on a character boundary.
            var low = StreamKeyEncoding.Encode(streamKeyPrefix);
            filter = TableClient.CreateQueryFilter($"PartitionKey eq {IndexPartition} and RowKey ge {low} and RowKey lt {low + "\uffff"}");
        }

        var streams = new List<BackupStreamRef>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: [StreamKeyProperty, GenerationProperty, OldestGenerationProperty], cancellationToken: ct).ConfigureAwait(false))
        {
            if (row.GetString(StreamKeyProperty) is { } key && key.StartsWith(streamKeyPrefix, StringComparison.Ordinal))
            {
                streams.Add(new BackupStreamRef(key, row.GetInt32(GenerationProperty) ?? 0, row.GetInt32(OldestGenerationProperty) ?? 0));
            }
        }

        return streams.OrderBy(s => s.StreamKey, StringComparer.Ordinal).ToArray();
    }

    // ---- tails ----

    public async Task<BackupTail?> ReadTailAsync(string streamKey, int generation, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(Partition(streamKey, generation), TailRow, cancellationToken: ct).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }

        var t = row.Value!;
        return new BackupTail
        {
            StreamKey = t.GetString(StreamKeyProperty) ?? streamKey,
            Generation = generation,
            Newest = t.GetInt64(nameof(BackupTail.Newest)) ?? 0,
            NewestEntryId = t.GetGuid(nameof(BackupTail.NewestEntryId)) ?? Guid.Empty,
            NewestAt = t.GetDateTimeOffset(nameof(BackupTail.NewestAt)),
            Snapshot = t.GetInt64(nameof(BackupTail.Snapshot)) ?? 0,
            FirstAt = t.GetDateTimeOffset(nameof(BackupTail.FirstAt)),
            Oldest = t.GetInt64(nameof(BackupTail.Oldest)) ?? 0,
            OldestAt = t.GetDateTimeOffset(nameof(BackupTail.OldestAt)),
        };
    }

    // ---- writes ----

    /// <summary>
    /// Upserts <paramref name="entries"/> (ascending, contiguous) in as few entity-group transactions as they fit, each
    /// also merging the tail row, so the tail never claims an entry the backup lacks. <paramref name="first"/>: the
    /// generation's first write (sets its start time).
    /// </summary>
    /// <returns>The storage requests made.</returns>
    public async Task<int> WriteEntriesAsync(string streamKey, int generation, IReadOnlyList<BackupEntry> entries, bool first, CancellationToken ct = default)
    {
        if (entries.Count == 0)
        {
            return 0;
        }

        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var partition = Partition(streamKey, generation);
        var requests = 0;
        var batch = new List<TableTransactionAction>();
        long bytes = 0;
        foreach (var entry in entries)
        {
            var inline = entry.Payload.Length <= MaxInlinePayload;
            if (batch.Count == MaxRowsPerTransaction - 1 || (batch.Count > 0 && inline && bytes + entry.Payload.Length > MaxTransactionPayload))
            {
                requests += await SubmitAsync(batch, streamKey, partition, generation, first, ct).ConfigureAwait(false);
                first = false;
                batch.Clear();
                bytes = 0;
            }

            var hash = SHA256.HashData(entry.Payload.Span);
            var row = new TableEntity(partition, RowKey(entry.Sequence))
            {
                [EntryIdProperty] = entry.EntryId,
                [AtProperty] = entry.CommittedAt,
                [HashProperty] = hash,
                [LengthProperty] = entry.Payload.Length,
            };
            if (inline)
            {
                for (var i = 0; i * ChunkSize < entry.Payload.Length; i++)
                {
                    var start = i * ChunkSize;
                    row[ChunkProperties[i]] = entry.Payload.Slice(start, Math.Min(ChunkSize, entry.Payload.Length - start)).ToArray();
                }

                bytes += entry.Payload.Length;
            }
            else
            {
                var blob = "payloads/" + partition + "/" + RowKey(entry.Sequence) + "/" + Convert.ToHexStringLower(hash);
                await _container.GetBlobClient(blob).UploadAsync(BinaryData.FromBytes(entry.Payload), overwrite: true, ct).ConfigureAwait(false);
                requests++;
                row[BlobProperty] = blob;
            }

            batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, row));
        }

        requests += await SubmitAsync(batch, streamKey, partition, generation, first, ct).ConfigureAwait(false);
        return requests;
    }

    private async Task<int> SubmitAsync(List<TableTransactionAction> batch, string streamKey, string partition, int generation, bool first, CancellationToken ct)
    {
        var last = (TableEntity)batch[^1].Entity;
        var tail = new TableEntity(partition, TailRow)
        {
            [StreamKeyProperty] = streamKey,
            [GenerationProperty] = generation,
            [nameof(BackupTail.Newest)] = long.Parse(last.RowKey, CultureInfo.InvariantCulture),
            [nameof(BackupTail.NewestEntryId)] = last.GetGuid(EntryIdProperty),
            [nameof(BackupTail.NewestAt)] = last.GetDateTimeOffset(AtProperty),
        };
        if (first)
        {
            tail[nameof(BackupTail.FirstAt)] = ((TableEntity)batch[0].Entity).GetDateTimeOffset(AtProperty);
        }

        batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertMerge, tail));
        await _table.SubmitTransactionAsync(batch, ct).ConfigureAwait(false);
        return 1;
    }

    /// <summary>Uploads a snapshot blob, then records it in the tail row.</summary>
    public async Task WriteSnapshotAsync(string streamKey, int generation, long sequence, DateTimeOffset committedAt, ReadOnlyMemory<byte> state, bool first, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var partition = Partition(streamKey, generation);
        var options = new BlobUploadOptions { Metadata = new Dictionary<string, string> { [AtMetadata] = committedAt.ToString("O", CultureInfo.InvariantCulture) } };
        await _container.GetBlobClient(SnapshotBlob(partition, sequence)).UploadAsync(BinaryData.FromBytes(state), options, ct).ConfigureAwait(false);
        var tail = new TableEntity(partition, TailRow)
        {
            [StreamKeyProperty] = streamKey,
            [GenerationProperty] = generation,
            [nameof(BackupTail.Snapshot)] = sequence,
        };
        if (first)
        {
            tail[nameof(BackupTail.FirstAt)] = committedAt;
            tail[nameof(BackupTail.Oldest)] = sequence;
            tail[nameof(BackupTail.OldestAt)] = committedAt;
        }

        await _table.UpsertEntityAsync(tail, TableUpdateMode.Merge, ct).ConfigureAwait(false);
    }

    // ---- reads ----

    /// <summary>Every entry of a generation without payloads, ascending.</summary>
    public async Task<IReadOnlyList<BackupEntryHeader>> ListEntriesAsync(string streamKey, int generation, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var partition = Partition(streamKey, generation);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey lt {TailRow}");
        var headers = new List<BackupEntryHeader>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey", EntryIdProperty, AtProperty], cancellationToken: ct).ConfigureAwait(false))
        {
            if (long.TryParse(row.RowKey, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                && row.GetGuid(EntryIdProperty) is { } id && row.GetDateTimeOffset(AtProperty) is { } at)
            {
                headers.Add(new BackupEntryHeader(sequence, id, at));
            }
        }

        return headers.OrderBy(h => h.Sequence).ToArray();
    }

    /// <summary>Entries <paramref name="from"/>..<paramref name="through"/> with their payloads, each checked against its hash.</summary>
    /// <exception cref="InvalidDataException">An entry is missing or its payload does not match its hash.</exception>
    public async Task<IReadOnlyList<BackupEntry>> ReadEntriesAsync(string streamKey, int generation, long from, long through, CancellationToken ct = default)
    {
        if (through < from)
        {
            return [];
        }

        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var partition = Partition(streamKey, generation);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {RowKey(from)} and RowKey le {RowKey(through)}");
        var entries = new List<BackupEntry>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct).ConfigureAwait(false))
        {
            entries.Add(await ParseAsync(streamKey, row, ct).ConfigureAwait(false));
        }

        entries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Sequence != from + i)
            {
                throw new InvalidDataException($"The backup of '{streamKey}' lacks entry {from + i}.");
            }
        }

        if (entries.Count != through - from + 1)
        {
            throw new InvalidDataException($"The backup of '{streamKey}' lacks entry {from + entries.Count}.");
        }

        return entries;
    }

    private async Task<BackupEntry> ParseAsync(string streamKey, TableEntity row, CancellationToken ct)
    {
        var sequence = long.Parse(row.RowKey, CultureInfo.InvariantCulture);
        var hash = row.GetBinary(HashProperty);
        var length = row.GetInt32(LengthProperty) ?? -1;
        if (row.GetGuid(EntryIdProperty) is not { } id || row.GetDateTimeOffset(AtProperty) is not { } at || hash is null || length < 0)
        {
            throw new InvalidDataException($"Backup entry {sequence} of '{streamKey}' is malformed.");
        }

        byte[] payload;
        if (row.GetString(BlobProperty) is { } blob)
        {
            payload = (await _container.GetBlobClient(blob).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content.ToArray();
        }
        else
        {
            payload = new byte[length];
            for (var i = 0; i * ChunkSize < length; i++)
            {
                var chunk = row.GetBinary(ChunkProperties[i]);
                if (chunk is null || chunk.Length != Math.Min(ChunkSize, length - (i * ChunkSize)))
                {
                    throw new InvalidDataException($"Backup entry {sequence} of '{streamKey}' is truncated.");
                }

                chunk.CopyTo(payload, i * ChunkSize);
            }
        }

        if (payload.Length != length || !SHA256.HashData(payload).AsSpan().SequenceEqual(hash))
        {
            throw new InvalidDataException($"Backup entry {sequence} of '{streamKey}' does not match its hash.");
        }

        return new BackupEntry(sequence, id, at, payload);
    }

    public async Task<IReadOnlyList<BackupSnapshotInfo>> ListSnapshotsAsync(string streamKey, int generation, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var prefix = SnapshotPrefix(Partition(streamKey, generation));
        var snapshots = new List<BackupSnapshotInfo>();
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, ct).ConfigureAwait(false))
        {
            if (long.TryParse(blob.Name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                && blob.Metadata.TryGetValue(AtMetadata, out var atText)
                && DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at))
            {
                snapshots.Add(new BackupSnapshotInfo(sequence, at, blob.Name));
            }
        }

        return snapshots.OrderBy(s => s.Sequence).ToArray();
    }

    public async Task<byte[]> ReadSnapshotAsync(BackupSnapshotInfo snapshot, CancellationToken ct = default)
    {
        var content = await _container.GetBlobClient(snapshot.BlobName).DownloadContentAsync(ct).ConfigureAwait(false);
        return content.Value.Content.ToArray();
    }

    // ---- retention ----

    /// <summary>
    /// Applies the retention window starting at <paramref name="windowStart"/> to every generation of one stream. An old
    /// generation whose newest point is older than the window is removed entirely (rows, tail, snapshots, payload blobs)
    /// when a later generation had already begun by the window's start: a restore to any point in the window then reads
    /// that later one (<see cref="BackupReader"/> takes the newest generation begun by the point), never the old one.
    /// Without such a later generation the old one is still what a restore to the window's start reads, and it stays.
    /// The current generation is never removed. Every generation that stays is pruned as <see cref="PruneAsync"/> says.
    /// </summary>
    public async Task<IReadOnlyList<BackupPruneResult>> PruneStreamAsync(BackupStreamRef stream, DateTimeOffset windowStart, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var tails = new Dictionary<int, BackupTail?>();
        for (var generation = stream.OldestGeneration; generation <= stream.Generation; generation++)
        {
            tails[generation] = await ReadTailAsync(stream.StreamKey, generation, ct).ConfigureAwait(false);
        }

        // The generation a restore to the window's start reads: nothing older is read for any point in the window.
        var inEffect = tails.Where(t => t.Value is { Last: > 0, FirstAt: { } first } && first <= windowStart).Select(t => t.Key).DefaultIfEmpty(-1).Max();
        var results = new List<BackupPruneResult>();
        var oldest = stream.OldestGeneration;
        for (var generation = stream.OldestGeneration; generation <= stream.Generation; generation++)
        {
            var tail = tails[generation];
            var remove = generation < inEffect && (tail is null || await NewestPointAsync(tail, ct).ConfigureAwait(false) < windowStart);
            if (remove)
            {
                results.Add(await RemoveGenerationAsync(stream.StreamKey, generation, ct).ConfigureAwait(false));
                if (oldest == generation)
                {
                    oldest = generation + 1;
                }
            }
            else if (tail is not null)
            {
                results.Add(await PruneAsync(stream.StreamKey, generation, windowStart, ct).ConfigureAwait(false));
            }
        }

        if (oldest != stream.OldestGeneration)
        {
            // Only after the data is gone: a prune that stopped half-way finds the rest on its next run.
            var row = new TableEntity(IndexPartition, StreamKeyEncoding.Encode(stream.StreamKey)) { [OldestGenerationProperty] = oldest };
            await _table.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Merge, ct).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>The commit time of a generation's newest entry or snapshot (snapshots are not on the tail row).</summary>
    private async Task<DateTimeOffset> NewestPointAsync(BackupTail tail, CancellationToken ct)
    {
        var newest = new[] { tail.NewestAt, tail.FirstAt, tail.OldestAt }.Max() ?? DateTimeOffset.MinValue;
        if (tail.Snapshot > 0)
        {
            var snapshots = await ListSnapshotsAsync(tail.StreamKey, tail.Generation, ct).ConfigureAwait(false);
            if (snapshots.Count > 0 && snapshots[^1].CommittedAt > newest)
            {
                newest = snapshots[^1].CommittedAt;
            }
        }

        return newest;
    }

    /// <summary>Deletes one generation of a stream entirely. The tail row goes first, so restores and listings stop seeing
    /// the generation before any of its entries are gone (they skip a generation without a tail).</summary>
    private async Task<BackupPruneResult> RemoveGenerationAsync(string streamKey, int generation, CancellationToken ct)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        var partition = Partition(streamKey, generation);
        await _table.DeleteEntityAsync(partition, TailRow, ETag.All, ct).ConfigureAwait(false);
        var rows = new List<string>();
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"], cancellationToken: ct).ConfigureAwait(false))
        {
            rows.Add(row.RowKey);
        }

        foreach (var batch in rows.Chunk(MaxRowsPerTransaction))
        {
            await _table.SubmitTransactionAsync(
                batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, r), ETag.All)), ct).ConfigureAwait(false);
        }

        // Snapshot blobs and large payloads, found by prefix so that a blob whose row was already deleted is found too.
        var snapshots = 0;
        foreach (var prefix in new[] { SnapshotPrefix(partition), "payloads/" + partition + "/" })
        {
            var names = new List<string>();
            await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct).ConfigureAwait(false))
            {
                names.Add(blob.Name);
            }

            foreach (var name in names)
            {
                await _container.DeleteBlobIfExistsAsync(name, cancellationToken: ct).ConfigureAwait(false);
            }

            snapshots += prefix.StartsWith("snapshots/", StringComparison.Ordinal) ? names.Count : 0;
        }

        return new BackupPruneResult(streamKey, generation, rows.Count(r => r != TailRow), snapshots, GenerationRemoved: true);
    }

    /// <summary>
    /// Drops what a restore to <paramref name="windowStart"/> or later does not need: the entries and snapshots older than
    /// the newest snapshot committed at or before it. A generation without such a snapshot keeps everything.
    /// </summary>
    public async Task<BackupPruneResult> PruneAsync(string streamKey, int generation, DateTimeOffset windowStart, CancellationToken ct = default)
    {
        var snapshots = await ListSnapshotsAsync(streamKey, generation, ct).ConfigureAwait(false);
        var keep = snapshots.LastOrDefault(s => s.CommittedAt <= windowStart);
        if (keep is null)
        {
            return new BackupPruneResult(streamKey, generation, 0, 0);
        }

        var partition = Partition(streamKey, generation);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey le {RowKey(keep.Sequence)}");
        var rows = new List<TableEntity>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey", BlobProperty], cancellationToken: ct).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        foreach (var batch in rows.Chunk(MaxRowsPerTransaction))
        {
            await _table.SubmitTransactionAsync(
                batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, r.RowKey), ETag.All)), ct).ConfigureAwait(false);
        }

        foreach (var blob in rows.Select(r => r.GetString(BlobProperty)).OfType<string>())
        {
            await _container.DeleteBlobIfExistsAsync(blob, cancellationToken: ct).ConfigureAwait(false);
        }

        var older = snapshots.Where(s => s.Sequence < keep.Sequence).ToArray();
        foreach (var snapshot in older)
        {
            await _container.DeleteBlobIfExistsAsync(snapshot.BlobName, cancellationToken: ct).ConfigureAwait(false);
        }

        var tail = new TableEntity(partition, TailRow)
        {
            [nameof(BackupTail.Oldest)] = keep.Sequence,
            [nameof(BackupTail.OldestAt)] = keep.CommittedAt,
        };
        await _table.UpsertEntityAsync(tail, TableUpdateMode.Merge, ct).ConfigureAwait(false);
        return new BackupPruneResult(streamKey, generation, rows.Count, older.Length);
    }

    // ---- records ----

    public async Task WriteRecordAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        await _container.GetBlobClient("drills/" + name).UploadAsync(BinaryData.FromBytes(content), overwrite: true, ct).ConfigureAwait(false);
    }

    public async Task<byte[]?> ReadRecordAsync(string name, CancellationToken ct = default)
    {
        await EnsureCreatedAsync(ct).ConfigureAwait(false);
        try
        {
            return (await _container.GetBlobClient("drills/" + name).DownloadContentAsync(ct).ConfigureAwait(false)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static string SnapshotPrefix(string partition) => "snapshots/" + partition + "/";

    private static string SnapshotBlob(string partition, long sequence) => SnapshotPrefix(partition) + RowKey(sequence);

    private Task EnsureCreatedAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_created is null || _created.IsFaulted || _created.IsCanceled)
            {
                _created = CreateAsync(ct);
            }

            return _created;
        }
    }

    private async Task CreateAsync(CancellationToken ct)
    {
        await _table.CreateIfNotExistsAsync(ct).ConfigureAwait(false);
        await _container.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
    }
}
