using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace DeviceSync.Grains.Storage;

/// <summary>
/// One independent storage replica: the journal table (a row per entry, addressed through its <see cref="JournalLayout"/>:
/// a partition per stream, or shard partitions shared by streams) and a blob container (snapshots and payloads too
/// large for a row). The <c>partitionKey</c> parameters are the escaped stream key; only the layout knows the table's keys. Creates both lazily, once, and again after the replica
/// lost them (a wiped replica). Every call is bounded by the replica timeout; failures surface as exceptions.
/// </summary>
internal sealed class JournalReplica
{
    /// <summary>Azure Table limits a binary property to 64 KiB and an entity to 1 MiB.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>Payloads up to 14 chunks (896 KiB) live in the row; larger ones in a blob the row references.</summary>
    public const int MaxInlinePayload = 14 * ChunkSize;

    private const int FormatVersion = 1;
    private const int MaxTransactionSize = 100;

    /// <summary>Azure Table limits a transaction's body to 4 MiB; inline payloads are kept well under it.</summary>
    private const long MaxTransactionPayload = 2 * 1024 * 1024;

    /// <summary>How often a catch-up reads the replica again after a row it meant to insert arrived meanwhile, before it
    /// falls back to one insert at a time.</summary>
    private const int MaxCatchUpRounds = 3;
    private const string EntryIdProperty = "EntryId";
    private const string PreviousIdProperty = "PrevId";
    private const string ChainProperty = "Chain";
    private const string HashProperty = "Hash";
    private const string LengthProperty = "Length";
    private const string BlobProperty = "Blob";
    private const string VersionProperty = "V";
    private const string SequenceMetadata = "sequence";
    private const string LastEntryMetadata = "lastentryid";
    private const string ChainMetadata = "chain";

    private static readonly string[] ChunkProperties =
        Enumerable.Range(0, MaxInlinePayload / ChunkSize).Select(i => "P" + i.ToString("D2", CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The marker row's partition: '~' followed by a non-hex letter, which <see cref="StreamKeyEncoding"/> never produces.</summary>
    internal const string MarkerPartition = "~replica";
    internal const string MarkerRow = "marker";
    internal const string MarkerBlob = "replica/marker";
    private const string StateProperty = "State";
    private const string ReasonProperty = "Reason";
    private const string SinceProperty = "Since";
    private const string LossGenerationProperty = "LossGeneration";
    private const string LayoutProperty = "Layout";
    private const string ShardsProperty = "Shards";

    private readonly ReplicaClients _clients;
    private readonly TableClientOptions _tableOptions;
    private readonly string _tablePrefix;
    private readonly bool _handWrittenTransactions;

    /// <summary>The layout this silo gives a replica that holds no journal yet (<c>Storage:GroupCommit</c>).</summary>
    private readonly JournalLayout _preferredLayout;
    private readonly BlobContainerClient _container;
    private readonly BlobContainerClient _layoutContainer;
    private readonly TimeSpan _timeout;
    private readonly HistoryLossClock _lossClock;
    private readonly Lock _gate = new();
    private Task? _created;

    /// <summary>The replica's journal as last resolved from its layout record; replaced only when it is found emptied.</summary>
    private Binding _binding;

    public JournalReplica(
        int index, string connectionString, string tablePrefix, TimeSpan timeout, ReplicaHealth health, HttpPipelinePolicy? extraPolicy = null, HistoryLossClock? lossClock = null,
        JournalLayout? layout = null, bool handWrittenTransactions = true, int maxConnections = 0)
    {
        _preferredLayout = layout ?? JournalLayout.PerStream;
        Index = index;
        Health = health;
        _lossClock = lossClock ?? new HistoryLossClock();
        _timeout = timeout;
        // One connection pool for the replica's two endpoints; the limit counts per endpoint (ReplicationOptions.MaxConnectionsPerReplica).
        var transport = maxConnections > 0
            ? new HttpClientTransport(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, AllowAutoRedirect = false, UseCookies = false })
            : null;
        var tableOptions = new TableClientOptions();
        Configure(tableOptions, timeout, extraPolicy, transport);
        var blobOptions = new BlobClientOptions();
        Configure(blobOptions, timeout, extraPolicy, transport);
        _clients = new ReplicaClients(connectionString, tableOptions, blobOptions);
        _tableOptions = tableOptions;
        _tablePrefix = tablePrefix;
        _handWrittenTransactions = handWrittenTransactions;
        _container = _clients.Blobs.GetBlobContainerClient(JournalNames.ContainerName(tablePrefix));
        _layoutContainer = _clients.Blobs.GetBlobContainerClient(JournalLayoutRecord.ContainerName(tablePrefix));

        // Until the replica's record is read (the first request), the preferred layout: what a new replica gets.
        _binding = Bind(_preferredLayout);
    }

    public int Index { get; }

    /// <summary>True when appends' transactions are written by <see cref="TableTransactionSender"/> (tests).</summary>
    internal bool WritesTransactionsByHand => Volatile.Read(ref _binding).Sender is not null;

    /// <summary>This silo's view of the replica: whether it counts toward the quorums, its last error, repairs.</summary>
    public ReplicaHealth Health { get; }

    /// <summary>The journal table of the replica's layout (as resolved by the last request).</summary>
    internal TableClient Table => Volatile.Read(ref _binding).Table;

    /// <summary>The layout this replica is written in: its record, read on the first request and again after a loss.</summary>
    internal JournalLayout Layout => Volatile.Read(ref _binding).Layout;

    /// <summary>Transactions the group-commit batcher sent (0 in layout 1).</summary>
    internal long BatchedTransactions => Volatile.Read(ref _binding).Batcher?.Transactions ?? 0;

    /// <summary>Appends waiting in the batcher's queues (0 in layout 1).</summary>
    internal int WaitingAppends => Volatile.Read(ref _binding).Batcher?.Waiting ?? 0;

    /// <summary>True when requests are authorised by an account SAS this replica signs (see <see cref="ReplicaClients"/>).</summary>
    internal bool UsesSas => _clients.UsesSas;

    internal BlobContainerClient Container => _container;

    /// <summary>
    /// Conditional insert of one entry (its payload blob first, if large), in one entity-group transaction with a
    /// check that the predecessor row still exists (for entry 1: the insert of the stream's genesis row). A row
    /// already there is ours only if it carries our entry id. The predecessor check fences a stale writer whose
    /// sequence was compacted away: compaction keeps the snapshot's own row and the genesis row, so a missing
    /// predecessor means either a snapshot past it (fenced) or a replica that lags (failed, repaired on read).
    /// </summary>
    /// <param name="recent">The writer's latest entries before this one, in order: a replica that missed some of them
    /// (timeouts) is caught up from these first.</param>
    /// <param name="previousWrite">The writer's previous write to this replica, possibly still in flight (writes are pipelined):
    /// if the predecessor check fails, it is awaited and the insert tried again before anything else is concluded.</param>
    public Task<ReplicaWriteResult> InsertAsync(
        string partitionKey,
        JournalEntry entry,
        ReadOnlyMemory<byte> payload,
        IReadOnlyList<(JournalEntry Entry, byte[] Payload)>? recent = null,
        Task<ReplicaWriteResult>? previousWrite = null) =>
        // Batched, an append may first wait for the shard's transaction in flight (itself bounded by the timeout).
        RunAsync(token => InsertAsync(partitionKey, entry, payload, recent, previousWrite, token), timeoutFactor: Layout.IsSharded ? 2 : 1);

    /// <summary>
    /// Writes an entry to a replica known to have missed some of the writer's latest entries (its previous write here
    /// failed): the missing ones of <paramref name="recent"/> and this entry, in as few transactions as they fit.
    /// Two requests in the usual case (what the replica holds of that range, then one transaction), so a replica that fell
    /// behind is not buried under retries of writes that cannot succeed until it has caught up.
    /// </summary>
    public Task<ReplicaWriteResult> CatchUpAndInsertAsync(
        string partitionKey,
        JournalEntry entry,
        byte[] payload,
        IReadOnlyList<(JournalEntry Entry, byte[] Payload)> recent) =>
        RunAsync(async token =>
        {
            var outcome = await CatchUpAsync(partitionKey, covered: null, [.. recent, (entry, payload)], token).ConfigureAwait(false);
            return outcome == ReplicaOutcome.Failed
                ? throw new ReplicaLagException(
                    $"Replica {Index} lags further behind stream entry {entry.Sequence} than the writer remembers; it is repaired on the next open.")
                : new ReplicaWriteResult(Index, outcome);
        });

    private async Task<ReplicaWriteResult> InsertAsync(
        string partitionKey,
        JournalEntry entry,
        ReadOnlyMemory<byte> payload,
        IReadOnlyList<(JournalEntry Entry, byte[] Payload)>? recent,
        Task<ReplicaWriteResult>? previousWrite,
        CancellationToken token)
    {
        if (entry.BlobName is not null)
        {
            await _container.GetBlobClient(entry.BlobName).UploadAsync(BinaryData.FromBytes(payload), overwrite: true, token).ConfigureAwait(false);
        }

        var insert = new TableTransactionAction(TableTransactionActionType.Add, Entity(partitionKey, entry, payload));
        var guard = entry.Sequence == 1
            ? new TableTransactionAction(TableTransactionActionType.Add, Genesis(partitionKey))
            : new TableTransactionAction(
                TableTransactionActionType.UpdateMerge, new TableEntity(Layout.Partition(partitionKey), Layout.Row(partitionKey, entry.Sequence - 1)), ETag.All);
        try
        {
            var etag = await SubmitPairAsync(partitionKey, insert, guard, entry.BlobName is null ? payload.Length : 0, token).ConfigureAwait(false);
            return new ReplicaWriteResult(Index, ReplicaOutcome.Acknowledged, etag);
        }
        catch (PairFailedException ex) when (ex.Action == 0 && ex.Status == 409)
        {
            return await ReadBackAsync(partitionKey, entry, token).ConfigureAwait(false);
        }
        catch (PairFailedException ex) when (ex.Action == 1 && ex.Status is 404 or 409)
        {
            if (previousWrite is not null)
            {
                // Our own previous entry may simply not have arrived yet: wait for it, then try once more. If it failed,
                // this replica lags: the writer's next append catches it up (CatchUpAndInsertAsync) in one go, rather
                // than every queued append probing the replica on its own.
                var previous = await previousWrite.WaitAsync(token).ConfigureAwait(false);
                if (previous.Outcome != ReplicaOutcome.Acknowledged)
                {
                    throw new ReplicaLagException($"Replica {Index} missed entry {entry.Sequence - 1}; the writer's next append catches it up.", ex);
                }

                return await InsertAsync(partitionKey, entry, payload, recent, null, token).ConfigureAwait(false);
            }

            if (entry.Sequence == 1)
            {
                return new ReplicaWriteResult(Index, ReplicaOutcome.Conflict); // the stream began before: its entry 1 was compacted away
            }

            var snapshots = await ListSnapshotsAsync(partitionKey, token).ConfigureAwait(false);
            var covered = snapshots.Count == 0 ? 0 : snapshots.Max(s => s.Sequence);
            if (covered >= entry.Sequence)
            {
                return new ReplicaWriteResult(Index, ReplicaOutcome.Conflict); // a snapshot covers our sequence: we are stale
            }

            if (covered < entry.Sequence - 1)
            {
                if (recent is { Count: > 0 } && recent[^1].Entry.Sequence == entry.Sequence - 1)
                {
                    // This replica missed some of our latest entries (timeouts): catch it up, then try again, once.
                    var caughtUp = await CatchUpAsync(partitionKey, covered, recent, token).ConfigureAwait(false);
                    if (caughtUp == ReplicaOutcome.Conflict)
                    {
                        return new ReplicaWriteResult(Index, ReplicaOutcome.Conflict);
                    }

                    if (caughtUp == ReplicaOutcome.Acknowledged)
                    {
                        return await InsertAsync(partitionKey, entry, payload, null, null, token).ConfigureAwait(false);
                    }
                }

                throw new ReplicaLagException(
                    $"Replica {Index} lacks entry {entry.Sequence - 1}; it lags and will be repaired on the next open.", ex);
            }

            // The predecessor is this replica's snapshot (a repaired replica has no row for it): insert alone.
            try
            {
                var response = await Table.AddEntityAsync(Entity(partitionKey, entry, payload), token).ConfigureAwait(false);
                return new ReplicaWriteResult(Index, ReplicaOutcome.Acknowledged, response.Headers.ETag ?? default);
            }
            catch (RequestFailedException conflict) when (conflict.Status == 409)
            {
                return await ReadBackAsync(partitionKey, entry, token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Sends an append's two actions: alone (layout 1), or through its shard's batcher, sharing a transaction with other
    /// streams' appends (layout 2). Either way a failed action comes back as <see cref="PairFailedException"/> naming which
    /// of the two failed, so the append's own handling (fence, read-back, catch-up) is the same in both.
    /// </summary>
    private async Task<ETag> SubmitPairAsync(string key, TableTransactionAction insert, TableTransactionAction guard, long inlineBytes, CancellationToken token)
    {
        var binding = Volatile.Read(ref _binding);
        if (binding.Batcher is { } batcher)
        {
            return await batcher.SubmitAsync(binding.Layout.Shard(key), key, insert, guard, inlineBytes, token).ConfigureAwait(false);
        }

        try
        {
            var etags = await SubmitTransactionAsync(binding, [insert, guard], token).ConfigureAwait(false);
            return etags[0];
        }
        catch (TableTransactionActionFailedException ex) when (ex.FailedActionIndex is int action and (0 or 1) && !IsMissingContainer(ex))
        {
            // A missing table is the replica's loss, not this stream's: it stays a RequestFailedException for RunAsync.
            throw new PairFailedException(action, ex.Status, ex);
        }
    }

    /// <summary>
    /// The journal's hot-path transaction (an append's pair, a group-commit batch): written by hand
    /// (<see cref="TableTransactionSender"/>) when this replica's requests carry our SAS, else through the SDK. Either way
    /// a refused transaction is a <see cref="TableTransactionActionFailedException"/> naming the failed action.
    /// </summary>
    private static async Task<ETag[]> SubmitTransactionAsync(Binding binding, IReadOnlyList<TableTransactionAction> actions, CancellationToken token)
    {
        if (binding.Sender is { } sender)
        {
            // The SAS it reads is the one RunAsync renewed before this append, as for every SDK request.
            return await sender.SubmitAsync(actions, token).ConfigureAwait(false);
        }

        try
        {
            var response = await binding.Table.SubmitTransactionAsync(actions, token).ConfigureAwait(false);
            return response.Value.Select(r => r.Headers.ETag ?? default).ToArray();
        }
        catch (TableTransactionFailedException ex)
        {
            throw new TableTransactionActionFailedException(ex.Status, ex.Message, ex.ErrorCode, ex.FailedTransactionActionIndex, ex);
        }
    }

    /// <summary>Reads the replica's layout and creates its table and container if missing (what every request does first).</summary>
    public Task EnsureLayoutAsync() => RunAsync(_ => Task.FromResult(true));

    /// <summary>Writes the genesis row if this replica lacks it (repair of a wiped replica).</summary>
    public Task EnsureGenesisAsync(string partitionKey) =>
        RunAsync(async token =>
        {
            try
            {
                await Table.AddEntityAsync(Genesis(partitionKey), token).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Already there.
            }

            return true;
        });

    /// <summary>Everything this replica holds of one stream: its rows and snapshot blobs.</summary>
    public Task<ReplicaView> ReadAsync(string partitionKey) =>
        RunAsync(async token =>
        {
            var rows = ReadRowsAsync(partitionKey, token);
            var snapshots = ListSnapshotsAsync(partitionKey, token);
            var (entries, hasGenesis) = await rows.ConfigureAwait(false);
            return new ReplicaView(Index, entries, await snapshots.ConfigureAwait(false), hasGenesis);
        });

    public Task<byte[]> DownloadAsync(string blobName) =>
        RunAsync(async token =>
        {
            var content = await _container.GetBlobClient(blobName).DownloadContentAsync(token).ConfigureAwait(false);
            return content.Value.Content.ToArray();
        });

    public Task UploadSnapshotAsync(SnapshotInfo snapshot, ReadOnlyMemory<byte> state) =>
        RunAsync(async token =>
        {
            var options = new BlobUploadOptions
            {
                Metadata = new Dictionary<string, string>
                {
                    [SequenceMetadata] = snapshot.Sequence.ToString(CultureInfo.InvariantCulture),
                    [LastEntryMetadata] = snapshot.LastEntryId.ToString("N"),
                    [ChainMetadata] = Convert.ToHexStringLower(snapshot.Chain),
                },
            };
            await _container.GetBlobClient(snapshot.BlobName).UploadAsync(BinaryData.FromBytes(state), options, token).ConfigureAwait(false);
            return true;
        });

    /// <summary>
    /// After this replica holds <paramref name="snapshot"/>: deletes the rows it covers (batched within the partition)
    /// except its last one and the genesis row (both fence stale writers, see <see cref="InsertAsync"/>), their
    /// payload blobs and older snapshots. Returns the number of rows deleted.
    /// </summary>
    public Task<int> CompactAsync(string partitionKey, SnapshotInfo snapshot) =>
        RunAsync(
            async token =>
            {
                var filter = Layout.RangeFilter(partitionKey, 1, snapshot.Sequence - 1);
                var rows = new List<TableEntity>();
                await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", BlobProperty], cancellationToken: token).ConfigureAwait(false))
                {
                    rows.Add(row);
                }

                foreach (var batch in rows.Chunk(MaxTransactionSize))
                {
                    try
                    {
                        await Table.SubmitTransactionAsync(
                            batch.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey), ETag.All)),
                            token).ConfigureAwait(false);
                    }
                    catch (RequestFailedException)
                    {
                        // A row vanished meanwhile (another compaction): delete one by one, ignoring the missing.
                        foreach (var row in batch)
                        {
                            await DeleteRowIfExistsAsync(row.PartitionKey, row.RowKey, ETag.All, token).ConfigureAwait(false);
                        }
                    }
                }

                foreach (var blob in rows.Select(r => r.GetString(BlobProperty)).OfType<string>())
                {
                    await _container.DeleteBlobIfExistsAsync(blob, cancellationToken: token).ConfigureAwait(false);
                }

                foreach (var older in (await ListSnapshotsAsync(partitionKey, token).ConfigureAwait(false)).Where(s => s.Sequence < snapshot.Sequence))
                {
                    await _container.DeleteBlobIfExistsAsync(older.BlobName, cancellationToken: token).ConfigureAwait(false);
                }

                return rows.Count;
            },
            timeoutFactor: 4);

    /// <summary>Writes a chosen entry to this replica: insert if it has none, replace (conditionally) a divergent version. False if it lost a race.</summary>
    public Task<bool> RepairEntryAsync(string partitionKey, JournalEntry entry, ReadOnlyMemory<byte> payload, JournalEntry? divergent) =>
        RunAsync(async token =>
        {
            if (entry.BlobName is not null)
            {
                await _container.GetBlobClient(entry.BlobName).UploadAsync(BinaryData.FromBytes(payload), overwrite: true, token).ConfigureAwait(false);
            }

            var entity = Entity(partitionKey, entry, payload);
            try
            {
                if (divergent is null)
                {
                    await Table.AddEntityAsync(entity, token).ConfigureAwait(false);
                }
                else
                {
                    await Table.UpdateEntityAsync(entity, divergent.ETag, TableUpdateMode.Replace, token).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && divergent is null)
            {
                // Inserted meanwhile: by a batch of ours that partly landed, or a writer's catch-up; fine if it is this entry.
                return (await ReadBackAsync(partitionKey, entry, token).ConfigureAwait(false)).Outcome == ReplicaOutcome.Acknowledged;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
            {
                return false;
            }
        });

    /// <summary>
    /// Inserts chosen entries this replica lacks, in as few entity-group transactions as they fit (100 rows, 2 MiB of
    /// inline payload each): a wiped replica is refilled in a few requests per stream instead of one per entry. False if
    /// any of them turned out to be there after all (a writer's catch-up raced us): the caller then goes one by one.
    /// </summary>
    public Task<bool> RepairMissingAsync(string partitionKey, IReadOnlyList<(JournalEntry Entry, byte[] Payload)> missing) =>
        RunAsync(
            async token =>
            {
                var batch = new List<TableTransactionAction>();
                var batchBytes = 0L;
                foreach (var (entry, payload) in missing)
                {
                    if (entry.BlobName is not null)
                    {
                        await _container.GetBlobClient(entry.BlobName).UploadAsync(BinaryData.FromBytes(payload), overwrite: true, token).ConfigureAwait(false);
                    }

                    var inlineBytes = entry.BlobName is null ? payload.Length : 0;
                    if (batch.Count > 0 && (batch.Count == MaxTransactionSize || batchBytes + inlineBytes > MaxTransactionPayload))
                    {
                        if (!await SubmitMissingAsync(batch, token).ConfigureAwait(false))
                        {
                            return false;
                        }

                        batch.Clear();
                        batchBytes = 0;
                    }

                    batch.Add(new TableTransactionAction(TableTransactionActionType.Add, Entity(partitionKey, entry, payload)));
                    batchBytes += inlineBytes;
                }

                return batch.Count == 0 || await SubmitMissingAsync(batch, token).ConfigureAwait(false);
            },
            timeoutFactor: 4);

    private async Task<bool> SubmitMissingAsync(List<TableTransactionAction> batch, CancellationToken token)
    {
        try
        {
            await Table.SubmitTransactionAsync(batch, token).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Deletes one row if it is still the version we saw.</summary>
    public Task DeleteEntryAsync(string partitionKey, long sequence, ETag etag) =>
        RunAsync(async token =>
        {
            await DeleteRowIfExistsAsync(Layout.Partition(partitionKey), Layout.Row(partitionKey, sequence), etag, token).ConfigureAwait(false);
            return true;
        });

    /// <summary>A row of layout 1 (tests write rows with it).</summary>
    internal static TableEntity ToEntity(string partitionKey, JournalEntry entry, ReadOnlyMemory<byte> payload) =>
        ToEntity(partitionKey, JournalNames.RowKey(entry.Sequence), entry, payload);

    /// <summary>This replica's row for an entry of stream <paramref name="key"/>, in its layout.</summary>
    internal TableEntity Entity(string key, JournalEntry entry, ReadOnlyMemory<byte> payload) =>
        ToEntity(Layout.Partition(key), Layout.Row(key, entry.Sequence), entry, payload);

    /// <summary>An entry row: the properties (format V = 1) are the same in every layout; only its keys differ.</summary>
    internal static TableEntity ToEntity(string partition, string row, JournalEntry entry, ReadOnlyMemory<byte> payload)
    {
        var entity = new TableEntity(partition, row)
        {
            [VersionProperty] = FormatVersion,
            [EntryIdProperty] = entry.EntryId,
            [PreviousIdProperty] = entry.PreviousEntryId,
            [ChainProperty] = entry.Chain,
            [HashProperty] = entry.PayloadHash,
            [LengthProperty] = entry.PayloadLength,
        };
        if (entry.BlobName is not null)
        {
            entity[BlobProperty] = entry.BlobName;
        }
        else
        {
            for (var i = 0; i * ChunkSize < payload.Length; i++)
            {
                var start = i * ChunkSize;
                entity[ChunkProperties[i]] = payload.Slice(start, Math.Min(ChunkSize, payload.Length - start)).ToArray();
            }
        }

        return entity;
    }

    /// <summary>Parses a row of layout 1; null if it is not a journal row of a known format or its inline payload does not match its hash.</summary>
    internal static JournalEntry? FromEntity(TableEntity entity) =>
        JournalNames.TryParseRowKey(entity.RowKey, out var sequence) ? FromEntity(entity, sequence) : null;

    /// <summary>Parses a row whose sequence its layout has read from the keys; null as above (and for the genesis row).</summary>
    internal static JournalEntry? FromEntity(TableEntity entity, long sequence)
    {
        if (sequence <= 0
            || entity.GetInt32(VersionProperty) != FormatVersion
            || entity.GetGuid(EntryIdProperty) is not { } entryId
            || entity.GetGuid(PreviousIdProperty) is not { } previousId
            || entity.GetBinary(ChainProperty) is not { Length: JournalChain.HashLength } chain
            || entity.GetBinary(HashProperty) is not { Length: JournalChain.HashLength } hash
            || entity.GetInt32(LengthProperty) is not { } length
            || length < 0)
        {
            return null;
        }

        var blob = entity.GetString(BlobProperty);
        ReadOnlyMemory<byte> inline = default;
        if (blob is null)
        {
            if (length > MaxInlinePayload)
            {
                return null;
            }

            var buffer = new byte[length];
            for (var i = 0; i * ChunkSize < length; i++)
            {
                var chunk = entity.GetBinary(ChunkProperties[i]);
                var expected = Math.Min(ChunkSize, length - (i * ChunkSize));
                if (chunk is null || chunk.Length != expected)
                {
                    return null;
                }

                chunk.CopyTo(buffer, i * ChunkSize);
            }

            if (!SHA256.HashData(buffer).AsSpan().SequenceEqual(hash))
            {
                return null;
            }

            inline = buffer;
        }

        return new JournalEntry
        {
            Sequence = sequence,
            EntryId = entryId,
            PreviousEntryId = previousId,
            Chain = chain,
            PayloadHash = hash,
            PayloadLength = length,
            BlobName = blob,
            InlinePayload = inline,
            Timestamp = entity.Timestamp,
            ETag = entity.ETag,
        };
    }

    /// <summary>
    /// Writes the entries of <paramref name="recent"/> this replica lacks, in order, if what it holds reaches up to
    /// the first of them (a row, the genesis row or a snapshot). Conflict if it holds another writer's version of one.
    /// </summary>
    /// <param name="covered">The newest snapshot this replica holds, if the caller already listed them; else listed
    /// only when needed (the row below the first missing entry is absent).</param>
    private async Task<ReplicaOutcome> CatchUpAsync(
        string partitionKey, long? covered, IReadOnlyList<(JournalEntry Entry, byte[] Payload)> recent, CancellationToken token)
    {
        // A lagging replica usually still has this writer's later appends in flight (they are pipelined), so one of them
        // may land between the read below and the transaction: the transaction then fails on that row (409). Reading
        // again and sending one new transaction costs two requests; inserting entry by entry with a read-back of each
        // conflict cost two per entry, on exactly the replica that was already too slow (docs/benchmarks.md, bench/costs).
        for (var round = 1; ; round++)
        {
            var (outcome, raced) = await CatchUpOnceAsync(partitionKey, covered, recent, lastRound: round == MaxCatchUpRounds, token).ConfigureAwait(false);
            if (!raced)
            {
                return outcome;
            }
        }
    }

    private async Task<(ReplicaOutcome Outcome, bool Raced)> CatchUpOnceAsync(
        string partitionKey, long? covered, IReadOnlyList<(JournalEntry Entry, byte[] Payload)> recent, bool lastRound, CancellationToken token)
    {
        var from = recent[0].Entry.Sequence - 1;
        var filter = Layout.RangeFilter(partitionKey, from, recent[^1].Entry.Sequence);
        var held = new Dictionary<long, Guid?>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", EntryIdProperty], cancellationToken: token).ConfigureAwait(false))
        {
            if (Layout.TryParse(row.PartitionKey, row.RowKey, out _, out var sequence))
            {
                held[sequence] = row.GetGuid(EntryIdProperty);
            }
        }

        var first = -1;
        for (var i = 0; i < recent.Count; i++)
        {
            if (!held.TryGetValue(recent[i].Entry.Sequence, out var id))
            {
                first = first < 0 ? i : first;
            }
            else if (id != recent[i].Entry.EntryId)
            {
                return (ReplicaOutcome.Conflict, false);
            }
            else if (first >= 0)
            {
                return (ReplicaOutcome.Failed, false); // a hole below a row we hold: leave it to read repair
            }
        }

        if (first < 0)
        {
            return (ReplicaOutcome.Acknowledged, false);
        }

        var below = recent[first].Entry.Sequence - 1;
        if (!held.ContainsKey(below))
        {
            covered ??= (await ListSnapshotsAsync(partitionKey, token).ConfigureAwait(false)).Select(s => s.Sequence).DefaultIfEmpty(0).Max();
            if (covered >= recent[first].Entry.Sequence)
            {
                return (ReplicaOutcome.Conflict, false); // a snapshot covers entries we think are missing: another writer moved on
            }

            if (covered != below)
            {
                return (ReplicaOutcome.Failed, false); // it lags further back than we remember
            }
        }

        var batch = new List<TableTransactionAction>();
        var batchBytes = 0L;
        for (var i = first; i < recent.Count; i++)
        {
            var (missing, missingPayload) = recent[i];
            if (missing.BlobName is not null)
            {
                await _container.GetBlobClient(missing.BlobName).UploadAsync(BinaryData.FromBytes(missingPayload), overwrite: true, token).ConfigureAwait(false);
            }

            var inlineBytes = missing.BlobName is null ? missingPayload.Length : 0;
            if (batch.Count > 0 && (batch.Count == MaxTransactionSize || batchBytes + inlineBytes > MaxTransactionPayload))
            {
                if (await InsertMissingAsync(partitionKey, batch, recent, lastRound, token).ConfigureAwait(false) is var outcome && outcome != (ReplicaOutcome.Acknowledged, false))
                {
                    return outcome;
                }

                batch.Clear();
                batchBytes = 0;
            }

            batch.Add(new TableTransactionAction(TableTransactionActionType.Add, Entity(partitionKey, missing, missingPayload)));
            batchBytes += inlineBytes;
            if (missing.Sequence == 1 && !held.ContainsKey(0))
            {
                // Entry 1 normally lands with the genesis row (the fence for a second writer of entry 1); so here too.
                batch.Add(new TableTransactionAction(TableTransactionActionType.Add, Genesis(partitionKey)));
            }
        }

        return await InsertMissingAsync(partitionKey, batch, recent, lastRound, token).ConfigureAwait(false);
    }

    /// <summary>
    /// Inserts a run of missing entries in one transaction. If one of them turns out to be there after all (a write that
    /// timed out but landed, or a pipelined append that arrived meanwhile), reports the race so the caller reads again;
    /// in its last round it falls back to one insert at a time, each checked against our entry id.
    /// </summary>
    private async Task<(ReplicaOutcome Outcome, bool Raced)> InsertMissingAsync(
        string partitionKey, List<TableTransactionAction> batch, IReadOnlyList<(JournalEntry Entry, byte[] Payload)> recent, bool lastRound, CancellationToken token)
    {
        try
        {
            await Table.SubmitTransactionAsync(batch, token).ConfigureAwait(false);
            return (ReplicaOutcome.Acknowledged, false);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            if (!lastRound)
            {
                return (ReplicaOutcome.Acknowledged, true);
            }
        }

        foreach (var action in batch)
        {
            try
            {
                await Table.AddEntityAsync(action.Entity, token).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && action.Entity.RowKey == Layout.Row(partitionKey, 0))
            {
                // The genesis row is there already.
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                Layout.TryParse(action.Entity.PartitionKey, action.Entity.RowKey, out _, out var sequence);
                var entry = recent.First(r => r.Entry.Sequence == sequence).Entry;
                if ((await ReadBackAsync(partitionKey, entry, token).ConfigureAwait(false)).Outcome != ReplicaOutcome.Acknowledged)
                {
                    return (ReplicaOutcome.Conflict, false);
                }
            }
        }

        return (ReplicaOutcome.Acknowledged, false);
    }

    private TableEntity Genesis(string partitionKey) => new(Layout.Partition(partitionKey), Layout.Row(partitionKey, 0)) { [VersionProperty] = FormatVersion };

    private async Task<ReplicaWriteResult> ReadBackAsync(string partitionKey, JournalEntry entry, CancellationToken token)
    {
        var existing = await Table.GetEntityAsync<TableEntity>(
            Layout.Partition(partitionKey), Layout.Row(partitionKey, entry.Sequence), [EntryIdProperty], token).ConfigureAwait(false);
        return existing.Value.GetGuid(EntryIdProperty) == entry.EntryId
            ? new ReplicaWriteResult(Index, ReplicaOutcome.Acknowledged, existing.Value.ETag)
            : new ReplicaWriteResult(Index, ReplicaOutcome.Conflict);
    }

    private static void Configure(ClientOptions options, TimeSpan timeout, HttpPipelinePolicy? extraPolicy, HttpPipelineTransport? transport)
    {
        if (transport is not null)
        {
            options.Transport = transport;
        }

        // Few, quick retries: a slow or dead replica must not hold up the quorum; the caller's timeout bounds the rest.
        options.Retry.MaxRetries = 1;
        options.Retry.Mode = RetryMode.Fixed;
        options.Retry.Delay = TimeSpan.FromMilliseconds(50);
        options.Retry.NetworkTimeout = timeout;
        if (extraPolicy is not null)
        {
            options.AddPolicy(extraPolicy, HttpPipelinePosition.PerRetry);
        }
    }

    /// <summary>The replica lost its table or blob container (wiped, replaced): the replica's loss, not one stream's.</summary>
    internal static bool IsMissingContainer(RequestFailedException ex) =>
        ex.Status == 404 && ex.ErrorCode is "TableNotFound" or "ContainerNotFound";

    private async Task<(List<JournalEntry> Entries, bool HasGenesis)> ReadRowsAsync(string partitionKey, CancellationToken token)
    {
        var entries = new List<JournalEntry>();
        var hasGenesis = false;
        await foreach (var row in Table.QueryAsync<TableEntity>(Layout.StreamFilter(partitionKey), cancellationToken: token).ConfigureAwait(false))
        {
            if (!Layout.TryParse(row.PartitionKey, row.RowKey, out _, out var sequence))
            {
                continue;
            }

            if (sequence == 0)
            {
                hasGenesis = true;
            }
            else if (FromEntity(row, sequence) is { } entry)
            {
                entries.Add(entry);
            }
        }

        entries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        return (entries, hasGenesis);
    }

    private async Task<List<SnapshotInfo>> ListSnapshotsAsync(string partitionKey, CancellationToken token)
    {
        var snapshots = new List<SnapshotInfo>();
        var options = new GetBlobsOptions { Traits = BlobTraits.Metadata, Prefix = JournalNames.SnapshotPrefix(partitionKey) };
        await foreach (var blob in _container.GetBlobsAsync(options, token).ConfigureAwait(false))
        {
            if (blob.Metadata is { } metadata
                && metadata.TryGetValue(SequenceMetadata, out var sequenceText)
                && long.TryParse(sequenceText, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                && metadata.TryGetValue(LastEntryMetadata, out var lastEntryText)
                && Guid.TryParseExact(lastEntryText, "N", out var lastEntryId)
                && metadata.TryGetValue(ChainMetadata, out var chainText)
                && chainText.Length == JournalChain.HashLength * 2)
            {
                snapshots.Add(new SnapshotInfo(sequence, lastEntryId, Convert.FromHexString(chainText), blob.Name));
            }
        }

        return snapshots;
    }

    /// <param name="partition">The table's PartitionKey (in layout 2 the shard, not the stream).</param>
    private async Task DeleteRowIfExistsAsync(string partition, string rowKey, ETag etag, CancellationToken token)
    {
        try
        {
            await Table.DeleteEntityAsync(partition, rowKey, etag, token).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            // Gone already, or no longer the version we meant to delete.
        }
    }

    /// <summary>Runs one operation with the replica timeout, creating table and container first (and again if the replica lost them).</summary>
    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, int timeoutFactor = 1)
    {
        _clients.RenewIfDue();
        using var timeout = new CancellationTokenSource(_timeout * timeoutFactor);
        try
        {
            await EnsureCreatedAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                return await operation(timeout.Token).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (IsMissingContainer(ex))
            {
                // The replica lost its table or container (wiped, replaced): it no longer holds what it acknowledged.
                // Say so on the replica itself before anything is written there again, so every silo stops counting it
                // (README.md, "Replica identity"); then create them again and retry once, so appends fill it from now on.
                var before = Layout;
                ForgetCreated();
                await EnsureCreatedAsync(timeout.Token).ConfigureAwait(false);
                if (Layout.Matches(before) || !await AdoptRebuiltMarkerAsync(timeout.Token).ConfigureAwait(false))
                {
                    await MarkLostAsync(ex.ErrorCode == "TableNotFound" ? "journal table was missing" : "blob container was missing", timeout.Token).ConfigureAwait(false);
                }

                return await operation(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            var timedOut = new TimeoutException($"Storage replica {Index} did not answer within {_timeout * timeoutFactor}.", ex);
            Health.RecordError(timedOut);
            throw timedOut;
        }
        catch (Exception ex) when (ex is not ReplicaLagException)
        {
            Health.RecordError(ex);
            throw;
        }
    }

    /// <summary>
    /// After this silo found the replica emptied into another layout (<see cref="JournalRelayout"/>): if another silo
    /// rebuilt it there first, its marker row was written after the emptying (the unhealed mark, or the sweeper's heal
    /// since), so it is the truth; overwriting it with "unhealed" would undo a heal. Noted locally; false if there is none.
    /// </summary>
    private async Task<bool> AdoptRebuiltMarkerAsync(CancellationToken token)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, [StateProperty, ReasonProperty], token).ConfigureAwait(false);
        if (!row.HasValue || row.Value is not { } marker)
        {
            return false;
        }

        if (marker.GetString(StateProperty) != "healthy")
        {
            Health.MarkUnhealed(marker.GetString(ReasonProperty) ?? "emptied into another layout");
        }

        return true;
    }

    /// <summary>
    /// Marks the replica unhealed in its marker row (keeping the history-loss generation this silo knows) and notes it
    /// locally at once. A row that already says "unhealed" is left as it is. Every silo that touches a wiped replica
    /// notices the loss, most of them after the first one has marked it (their requests were answered before the table
    /// was created again); rewriting the row each time would change the version that a sweep begun after the first mark
    /// makes its heal conditional on, and void that heal for a loss it already knew of. A new wipe takes the row with it,
    /// so it is still marked. A healthy row is replaced only if it is still the one read.
    /// </summary>
    private async Task MarkLostAsync(string reason, CancellationToken token)
    {
        Health.MarkUnhealed(reason);
        var entity = MarkerEntity(ReplicaState.Unhealed, reason, _lossClock.Current);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, [StateProperty], token).ConfigureAwait(false);
            try
            {
                if (!row.HasValue || row.Value is not { } current)
                {
                    await Table.AddEntityAsync(entity, token).ConfigureAwait(false);
                }
                else if (current.GetString(StateProperty) == "healthy")
                {
                    await Table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, token).ConfigureAwait(false);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another silo wrote the row between the read and the write: read it again.
            }
        }

        // Still changing under us: say "unhealed" unconditionally, as a loss must never go unmarked.
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, token).ConfigureAwait(false);
    }

    private TableEntity MarkerEntity(ReplicaState state, string? reason, long lossGeneration)
    {
        var entity = new TableEntity(MarkerPartition, MarkerRow)
        {
            [VersionProperty] = FormatVersion,
            [LayoutProperty] = Layout.Version,
            [StateProperty] = state == ReplicaState.Healthy ? "healthy" : "unhealed",
            [SinceProperty] = DateTimeOffset.UtcNow,
            [LossGenerationProperty] = lossGeneration,
        };
        if (reason is not null)
        {
            entity[ReasonProperty] = reason;
        }

        if (Layout.IsSharded)
        {
            entity[ShardsProperty] = Layout.Shards;
        }

        return entity;
    }

    /// <summary>Reads the marker row and checks the marker blob (in parallel): what this replica says about its identity.</summary>
    public Task<ReplicaMarker> ReadMarkerAsync() =>
        RunAsync(async token =>
        {
            var blob = _container.GetBlobClient(MarkerBlob).ExistsAsync(token);
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, cancellationToken: token).ConfigureAwait(false);
            var blobPresent = (await blob.ConfigureAwait(false)).Value;
            if (!row.HasValue || row.Value is not { } entity)
            {
                // The SDK answers a missing table as a missing row. A missing table is the replica's loss, which
                // RunAsync handles (and follows a replica emptied into another layout): a query tells them apart.
                await HoldsRowsAsync(Table, filter: null, token).ConfigureAwait(false);

                return ReplicaMarker.Missing with { BlobPresent = blobPresent };
            }

            var state = entity.GetString(StateProperty) == "healthy" ? ReplicaState.Healthy : ReplicaState.Unhealed;
            var lossGeneration = entity.GetInt64(LossGenerationProperty) ?? 0;
            _lossClock.Observe(lossGeneration);
            return new ReplicaMarker(state, entity.GetString(ReasonProperty), entity.GetDateTimeOffset(SinceProperty), blobPresent, entity.ETag, lossGeneration);
        });

    /// <summary>
    /// Marks the replica healthy: the marker blob first, then the row. With <paramref name="ifMatch"/> (a heal) the row is
    /// replaced only if it is still the version the sweep started from, or inserted only if it was missing then (default
    /// ETag); false if it changed (the replica was wiped or marked again meanwhile). Without (first start), only inserted
    /// when missing: the first silo to initialise the cluster decides, later ones never override an "unhealed".
    /// The row carries the history-loss generation this silo knows (a heal raises it first when it must).
    /// </summary>
    public Task<bool> MarkHealthyAsync(ETag? ifMatch) =>
        RunAsync(async token =>
        {
            await _container.GetBlobClient(MarkerBlob).UploadAsync(BinaryData.FromString("DeviceSync replica marker"), overwrite: true, token).ConfigureAwait(false);
            var entity = MarkerEntity(ReplicaState.Healthy, null, _lossClock.Current);
            try
            {
                if (ifMatch is { } etag && etag != default)
                {
                    await Table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, token).ConfigureAwait(false);
                }
                else
                {
                    await Table.AddEntityAsync(entity, token).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
            {
                return false;
            }
        });

    /// <summary>
    /// Raises the history-loss generation in this replica's marker row, leaving its state as it is; false when the row is
    /// missing (the replica is unhealed and gets the generation when it is healed) or changed meanwhile.
    /// </summary>
    public Task<bool> RaiseLossGenerationAsync(long generation) =>
        RunAsync(async token =>
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, cancellationToken: token).ConfigureAwait(false);
            if (!row.HasValue || row.Value is not { } entity)
            {
                return false;
            }

            if ((entity.GetInt64(LossGenerationProperty) ?? 0) >= generation)
            {
                return true;
            }

            try
            {
                var update = new TableEntity(MarkerPartition, MarkerRow) { [LossGenerationProperty] = generation };
                await Table.UpdateEntityAsync(update, entity.ETag, TableUpdateMode.Merge, token).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                return false;
            }
        });

    /// <summary>Marks the replica unhealed (it lost data, or holds none while others do).</summary>
    public Task MarkUnhealedAsync(string reason) =>
        RunAsync(async token =>
        {
            await MarkLostAsync(reason, token).ConfigureAwait(false);
            return true;
        });

    /// <summary>Whether this replica holds any journal row or snapshot at all (first start: is the cluster new?).</summary>
    public Task<bool> HoldsAnyDataAsync() =>
        RunAsync(async token =>
        {
            if (await HoldsRowsAsync(Table, TableClient.CreateQueryFilter($"PartitionKey ne {MarkerPartition}"), token).ConfigureAwait(false))
            {
                return true;
            }

            await foreach (var page in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = "snapshots/" }, token).AsPages(pageSizeHint: 1).ConfigureAwait(false))
            {
                return page.Values.Count > 0;
            }

            return false;
        });

    /// <summary>The ETag of the blob container: a container deleted and created again has another.</summary>
    public Task<ETag> ContainerETagAsync() =>
        RunAsync(async token => (await _container.GetPropertiesAsync(cancellationToken: token).ConfigureAwait(false)).Value.ETag);

    /// <summary>Every snapshot blob of every stream: (partition key, sequence). One listing, paged by the service.</summary>
    public async IAsyncEnumerable<IReadOnlyList<(string PartitionKey, long Sequence)>> ScanSnapshotsAsync()
    {
        string? continuation = null;
        do
        {
            var page = await RunAsync(async token =>
            {
                await foreach (var p in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = "snapshots/" }, token).AsPages(continuation).ConfigureAwait(false))
                {
                    return p;
                }

                return null;
            }).ConfigureAwait(false);
            if (page is null)
            {
                yield break;
            }

            var found = new List<(string, long)>(page.Values.Count);
            foreach (var blob in page.Values)
            {
                // snapshots/{partitionKey}/{sequence}
                var parts = blob.Name.Split('/');
                if (parts.Length == 3 && JournalNames.TryParseRowKey(parts[2], out var sequence))
                {
                    found.Add((parts[1], sequence));
                }
            }

            yield return found;
            continuation = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    /// <summary>The escaped stream key and sequence of every journal row (genesis rows included as sequence 0), a page at a time.</summary>
    public async IAsyncEnumerable<IReadOnlyList<(string PartitionKey, long Sequence)>> ScanRowsAsync(int pageSize)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ne {MarkerPartition}");
        string? continuation = null;
        do
        {
            var page = await RunAsync(async token =>
            {
                await foreach (var p in Table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, select: ["PartitionKey", "RowKey"], cancellationToken: token)
                                   .AsPages(continuation).ConfigureAwait(false))
                {
                    return p;
                }

                return null;
            }).ConfigureAwait(false);
            if (page is null)
            {
                yield break;
            }

            var found = new List<(string, long)>(page.Values.Count);
            foreach (var row in page.Values)
            {
                if (Layout.TryParse(row.PartitionKey, row.RowKey, out var key, out var sequence))
                {
                    found.Add((key, sequence));
                }
            }

            yield return found;
            continuation = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(continuation));
    }

    private async Task EnsureCreatedAsync(CancellationToken token)
    {
        Task created;
        lock (_gate)
        {
            created = _created ??= CreateAsync();
        }

        try
        {
            await created.WaitAsync(token).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                if (ReferenceEquals(_created, created) && created.IsCompleted)
                {
                    _created = null; // failed: the next operation tries again
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Reads (or records) the replica's layout, switches to it if it changed, and creates the journal's table and
    /// container if missing. Runs before the first request and again after the replica lost its table or container
    /// (<see cref="RunAsync{T}"/>), which is how every silo follows a replica emptied into another layout.
    /// </summary>
    private async Task CreateAsync()
    {
        using var timeout = new CancellationTokenSource(_timeout);
        for (var attempt = 1; ; attempt++)
        {
            var layout = await ResolveLayoutAsync(timeout.Token).ConfigureAwait(false);
            var binding = Volatile.Read(ref _binding);
            if (!layout.Matches(binding.Layout))
            {
                binding = Bind(layout);
                Volatile.Write(ref _binding, binding);
            }

            await Task.WhenAll(
                binding.Table.CreateIfNotExistsAsync(timeout.Token),
                _container.CreateIfNotExistsAsync(cancellationToken: timeout.Token)).ConfigureAwait(false);

            // A relayout that replaced the record between the read above and this create may just have deleted the
            // table created here: read the record once more, and follow it if it changed. (The relayout deletes the old
            // table a second time after the longest such window, for a silo that read the record even earlier.)
            if (attempt < 3 && await JournalLayoutRecord.ReadAsync(_layoutContainer, timeout.Token).ConfigureAwait(false) is { } now && !now.Matches(layout))
            {
                continue;
            }

            return;
        }
    }

    /// <summary>
    /// The replica's layout: its record if it has one. A replica without a record (written by a build before records,
    /// or holding nothing yet) gets one: the layout of the journal it holds, else this silo's preferred layout. Two
    /// silos recording at once cannot disagree: the record is created only if absent, and the loser reads the winner's.
    /// </summary>
    /// <exception cref="JournalLayoutMismatchException">No record, and both layouts' tables hold a journal.</exception>
    private async Task<JournalLayout> ResolveLayoutAsync(CancellationToken token)
    {
        if (await JournalLayoutRecord.ReadAsync(_layoutContainer, token).ConfigureAwait(false) is { } recorded)
        {
            return recorded;
        }

        var perStream = await FindJournalAsync(JournalLayout.PerStream, token).ConfigureAwait(false);
        var sharded = await FindJournalAsync(_preferredLayout.IsSharded ? _preferredLayout : JournalLayout.Sharded(1), token).ConfigureAwait(false);
        if (perStream is not null && sharded is not null)
        {
            throw new JournalLayoutMismatchException(
                $"Storage replica {Index} holds a journal in both '{JournalNames.TableName(_tablePrefix)}' (layout 1) and "
                + $"'{JournalNames.ShardedTableName(_tablePrefix)}' (layout 2) and no layout record says which is its own. "
                + "Empty it into one layout (ops relayout, docs/operations.md) and let the sweeper refill it.");
        }

        var layout = perStream ?? sharded ?? _preferredLayout;
        if (await JournalLayoutRecord.TryCreateAsync(_layoutContainer, layout, token).ConfigureAwait(false))
        {
            return layout;
        }

        return await JournalLayoutRecord.ReadAsync(_layoutContainer, token).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Storage replica {Index}: its layout record was created by another silo but cannot be read.");
    }

    /// <summary>
    /// The journal a replica holds in <paramref name="layout"/>'s table, if any: its marker row says which layout and how
    /// many shards; a table with rows but no marker (lost with the emulator's last seconds) counts too. For layout 2
    /// without a marker, <paramref name="layout"/>'s shard count is assumed.
    /// </summary>
    private async Task<JournalLayout?> FindJournalAsync(JournalLayout layout, CancellationToken token)
    {
        var table = _clients.Tables.GetTableClient(layout.TableName(_tablePrefix));
        try
        {
            var marker = await table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, [LayoutProperty, ShardsProperty], token).ConfigureAwait(false);
            if (marker.HasValue && marker.Value is { } row)
            {
                return (row.GetInt32(LayoutProperty) ?? 1) == 2 && row.GetInt32(ShardsProperty) is int shards and >= 1 and <= JournalLayout.MaxShards
                    ? JournalLayout.Sharded(shards)
                    : JournalLayout.PerStream;
            }

            return await HoldsRowsAsync(table, filter: null, token).ConfigureAwait(false) ? layout : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // no such table: nothing was ever written in this layout
        }
    }

    /// <summary>Whether <paramref name="table"/> holds a row (matching <paramref name="filter"/>): one row read at most.
    /// A missing table throws (404 <c>TableNotFound</c>).</summary>
    private static async Task<bool> HoldsRowsAsync(TableClient table, string? filter, CancellationToken token)
    {
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: token).AsPages().ConfigureAwait(false))
        {
            return page.Values.Count > 0;
        }

        return false;
    }

    /// <summary>The table, transaction writer and batcher of one layout on this replica.</summary>
    private Binding Bind(JournalLayout layout)
    {
        var table = _clients.Tables.GetTableClient(layout.TableName(_tablePrefix));
        var sender = _handWrittenTransactions ? TableTransactionSender.TryCreate(_clients, _tableOptions, table.Name) : null;
        var binding = new Binding(layout, table, sender);
        if (layout.IsSharded)
        {
            binding.Batcher = new ShardBatcher((actions, token) => SubmitTransactionAsync(binding, actions, token), layout.Shards, _timeout);
        }

        return binding;
    }

    /// <summary>
    /// Where this replica's journal is: its layout and table, and what sends its transactions. Replaced as a whole when
    /// the replica is found emptied into another layout; a request that began before keeps the one it read, and what it
    /// writes with the old keys into the new table lies outside every stream's rows (the replica is unhealed then anyway).
    /// </summary>
    private sealed class Binding(JournalLayout layout, TableClient table, TableTransactionSender? sender)
    {
        public JournalLayout Layout { get; } = layout;

        public TableClient Table { get; } = table;

        public TableTransactionSender? Sender { get; } = sender;

        /// <summary>Layout 2's appends, batched per shard (null in layout 1).</summary>
        public ShardBatcher? Batcher { get; set; }
    }

    private void ForgetCreated()
    {
        lock (_gate)
        {
            _created = null;
        }
    }
}
