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
    private readonly TableClient _table;
    private readonly TableClient _otherLayoutTable;
    private readonly JournalLayout _layout;
    private readonly ShardBatcher? _batcher;
    private readonly TableTransactionSender? _sender;
    private readonly BlobContainerClient _container;
    private readonly TimeSpan _timeout;
    private readonly HistoryLossClock _lossClock;
    private readonly Lock _gate = new();
    private Task? _created;
    private bool _layoutChecked;

    public JournalReplica(
        int index, string connectionString, string tablePrefix, TimeSpan timeout, ReplicaHealth health, HttpPipelinePolicy? extraPolicy = null, HistoryLossClock? lossClock = null,
        JournalLayout? layout = null, bool handWrittenTransactions = true)
    {
        _layout = layout ?? JournalLayout.PerStream;
        Index = index;
        Health = health;
        _lossClock = lossClock ?? new HistoryLossClock();
        _timeout = timeout;
        var tableOptions = new TableClientOptions();
        Configure(tableOptions, timeout, extraPolicy);
        var blobOptions = new BlobClientOptions();
        Configure(blobOptions, timeout, extraPolicy);
        _clients = new ReplicaClients(connectionString, tableOptions, blobOptions);
        _table = _clients.Tables.GetTableClient(_layout.TableName(tablePrefix));
        _otherLayoutTable = _clients.Tables.GetTableClient(_layout.OtherTableName(tablePrefix));
        _sender = handWrittenTransactions ? TableTransactionSender.TryCreate(_clients, tableOptions, _table.Name) : null;
        _batcher = _layout.IsSharded ? new ShardBatcher(SubmitTransactionAsync, _layout.Shards, timeout) : null;
        _container = _clients.Blobs.GetBlobContainerClient(JournalNames.ContainerName(tablePrefix));
    }

    public int Index { get; }

    /// <summary>True when appends' transactions are written by <see cref="TableTransactionSender"/> (tests).</summary>
    internal bool WritesTransactionsByHand => _sender is not null;

    /// <summary>This silo's view of the replica: whether it counts toward the quorums, its last error, repairs.</summary>
    public ReplicaHealth Health { get; }

    internal TableClient Table => _table;

    internal JournalLayout Layout => _layout;

    /// <summary>Transactions the group-commit batcher sent (0 in layout 1).</summary>
    internal long BatchedTransactions => _batcher?.Transactions ?? 0;

    /// <summary>Appends waiting in the batcher's queues (0 in layout 1).</summary>
    internal int WaitingAppends => _batcher?.Waiting ?? 0;

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
        RunAsync(token => InsertAsync(partitionKey, entry, payload, recent, previousWrite, token), timeoutFactor: _batcher is null ? 1 : 2);

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
                TableTransactionActionType.UpdateMerge, new TableEntity(_layout.Partition(partitionKey), _layout.Row(partitionKey, entry.Sequence - 1)), ETag.All);
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
                var response = await _table.AddEntityAsync(Entity(partitionKey, entry, payload), token).ConfigureAwait(false);
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
        if (_batcher is not null)
        {
            return await _batcher.SubmitAsync(_layout.Shard(key), key, insert, guard, inlineBytes, token).ConfigureAwait(false);
        }

        try
        {
            var etags = await SubmitTransactionAsync([insert, guard], token).ConfigureAwait(false);
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
    internal async Task<ETag[]> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken token)
    {
        if (_sender is not null)
        {
            // The SAS it reads is the one RunAsync renewed before this append, as for every SDK request.
            return await _sender.SubmitAsync(actions, token).ConfigureAwait(false);
        }

        try
        {
            var response = await _table.SubmitTransactionAsync(actions, token).ConfigureAwait(false);
            return response.Value.Select(r => r.Headers.ETag ?? default).ToArray();
        }
        catch (TableTransactionFailedException ex)
        {
            throw new TableTransactionActionFailedException(ex.Status, ex.Message, ex.ErrorCode, ex.FailedTransactionActionIndex, ex);
        }
    }

    /// <summary>Creates the table and container if missing and checks the layout (what every request does first).</summary>
    public Task EnsureLayoutAsync() => RunAsync(_ => Task.FromResult(true));

    /// <summary>Writes the genesis row if this replica lacks it (repair of a wiped replica).</summary>
    public Task EnsureGenesisAsync(string partitionKey) =>
        RunAsync(async token =>
        {
            try
            {
                await _table.AddEntityAsync(Genesis(partitionKey), token).ConfigureAwait(false);
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
                var filter = _layout.RangeFilter(partitionKey, 1, snapshot.Sequence - 1);
                var rows = new List<TableEntity>();
                await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", BlobProperty], cancellationToken: token).ConfigureAwait(false))
                {
                    rows.Add(row);
                }

                foreach (var batch in rows.Chunk(MaxTransactionSize))
                {
                    try
                    {
                        await _table.SubmitTransactionAsync(
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
                    await _table.AddEntityAsync(entity, token).ConfigureAwait(false);
                }
                else
                {
                    await _table.UpdateEntityAsync(entity, divergent.ETag, TableUpdateMode.Replace, token).ConfigureAwait(false);
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
            await _table.SubmitTransactionAsync(batch, token).ConfigureAwait(false);
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
            await DeleteRowIfExistsAsync(_layout.Partition(partitionKey), _layout.Row(partitionKey, sequence), etag, token).ConfigureAwait(false);
            return true;
        });

    /// <summary>A row of layout 1 (tests write rows with it).</summary>
    internal static TableEntity ToEntity(string partitionKey, JournalEntry entry, ReadOnlyMemory<byte> payload) =>
        ToEntity(partitionKey, JournalNames.RowKey(entry.Sequence), entry, payload);

    /// <summary>This replica's row for an entry of stream <paramref name="key"/>, in its layout.</summary>
    internal TableEntity Entity(string key, JournalEntry entry, ReadOnlyMemory<byte> payload) =>
        ToEntity(_layout.Partition(key), _layout.Row(key, entry.Sequence), entry, payload);

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
        var filter = _layout.RangeFilter(partitionKey, from, recent[^1].Entry.Sequence);
        var held = new Dictionary<long, Guid?>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", EntryIdProperty], cancellationToken: token).ConfigureAwait(false))
        {
            if (_layout.TryParse(row.PartitionKey, row.RowKey, out _, out var sequence))
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
            await _table.SubmitTransactionAsync(batch, token).ConfigureAwait(false);
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
                await _table.AddEntityAsync(action.Entity, token).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && action.Entity.RowKey == _layout.Row(partitionKey, 0))
            {
                // The genesis row is there already.
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                _layout.TryParse(action.Entity.PartitionKey, action.Entity.RowKey, out _, out var sequence);
                var entry = recent.First(r => r.Entry.Sequence == sequence).Entry;
                if ((await ReadBackAsync(partitionKey, entry, token).ConfigureAwait(false)).Outcome != ReplicaOutcome.Acknowledged)
                {
                    return (ReplicaOutcome.Conflict, false);
                }
            }
        }

        return (ReplicaOutcome.Acknowledged, false);
    }

    private TableEntity Genesis(string partitionKey) => new(_layout.Partition(partitionKey), _layout.Row(partitionKey, 0)) { [VersionProperty] = FormatVersion };

    private async Task<ReplicaWriteResult> ReadBackAsync(string partitionKey, JournalEntry entry, CancellationToken token)
    {
        var existing = await _table.GetEntityAsync<TableEntity>(
            _layout.Partition(partitionKey), _layout.Row(partitionKey, entry.Sequence), [EntryIdProperty], token).ConfigureAwait(false);
        return existing.Value.GetGuid(EntryIdProperty) == entry.EntryId
            ? new ReplicaWriteResult(Index, ReplicaOutcome.Acknowledged, existing.Value.ETag)
            : new ReplicaWriteResult(Index, ReplicaOutcome.Conflict);
    }

    private static void Configure(ClientOptions options, TimeSpan timeout, HttpPipelinePolicy? extraPolicy)
    {
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
        await foreach (var row in _table.QueryAsync<TableEntity>(_layout.StreamFilter(partitionKey), cancellationToken: token).ConfigureAwait(false))
        {
            if (!_layout.TryParse(row.PartitionKey, row.RowKey, out _, out var sequence))
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
            await _table.DeleteEntityAsync(partition, rowKey, etag, token).ConfigureAwait(false);
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
                ForgetCreated();
                await EnsureCreatedAsync(timeout.Token).ConfigureAwait(false);
                await MarkLostAsync(ex.ErrorCode == "TableNotFound" ? "journal table was missing" : "blob container was missing", timeout.Token).ConfigureAwait(false);
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
    /// Writes the "unhealed" marker row (replacing whatever is there, keeping the history-loss generation this silo
    /// knows) and notes it locally at once.
    /// </summary>
    private async Task MarkLostAsync(string reason, CancellationToken token)
    {
        Health.MarkUnhealed(reason);
        await _table.UpsertEntityAsync(MarkerEntity(ReplicaState.Unhealed, reason, _lossClock.Current), TableUpdateMode.Replace, token).ConfigureAwait(false);
    }

    private TableEntity MarkerEntity(ReplicaState state, string? reason, long lossGeneration)
    {
        var entity = new TableEntity(MarkerPartition, MarkerRow)
        {
            [VersionProperty] = FormatVersion,
            [LayoutProperty] = _layout.Version,
            [StateProperty] = state == ReplicaState.Healthy ? "healthy" : "unhealed",
            [SinceProperty] = DateTimeOffset.UtcNow,
            [LossGenerationProperty] = lossGeneration,
        };
        if (reason is not null)
        {
            entity[ReasonProperty] = reason;
        }

        if (_layout.IsSharded)
        {
            entity[ShardsProperty] = _layout.Shards;
        }

        return entity;
    }

    /// <summary>Reads the marker row and checks the marker blob (in parallel): what this replica says about its identity.</summary>
    public Task<ReplicaMarker> ReadMarkerAsync() =>
        RunAsync(async token =>
        {
            var blob = _container.GetBlobClient(MarkerBlob).ExistsAsync(token);
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, cancellationToken: token).ConfigureAwait(false);
            var blobPresent = (await blob.ConfigureAwait(false)).Value;
            if (!row.HasValue || row.Value is not { } entity)
            {
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
                    await _table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, token).ConfigureAwait(false);
                }
                else
                {
                    await _table.AddEntityAsync(entity, token).ConfigureAwait(false);
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
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, cancellationToken: token).ConfigureAwait(false);
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
                await _table.UpdateEntityAsync(update, entity.ETag, TableUpdateMode.Merge, token).ConfigureAwait(false);
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
            var filter = TableClient.CreateQueryFilter($"PartitionKey ne {MarkerPartition}");
            await foreach (var page in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: token).AsPages().ConfigureAwait(false))
            {
                if (page.Values.Count > 0)
                {
                    return true;
                }

                break;
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
                await foreach (var p in _table.QueryAsync<TableEntity>(filter, maxPerPage: pageSize, select: ["PartitionKey", "RowKey"], cancellationToken: token)
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
                if (_layout.TryParse(row.PartitionKey, row.RowKey, out var key, out var sequence))
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

    private async Task CreateAsync()
    {
        using var timeout = new CancellationTokenSource(_timeout);
        await Task.WhenAll(
            _table.CreateIfNotExistsAsync(timeout.Token),
            _container.CreateIfNotExistsAsync(cancellationToken: timeout.Token)).ConfigureAwait(false);

        // Once per process: a wipe does not change the layout, and a re-creation after one (RunAsync) must stay as cheap
        // as before, so that the replica says "unhealed" before anything else times out.
        if (!Volatile.Read(ref _layoutChecked))
        {
            using var checkTimeout = new CancellationTokenSource(_timeout);
            await CheckLayoutAsync(checkTimeout.Token).ConfigureAwait(false);
            Volatile.Write(ref _layoutChecked, true);
        }
    }

    /// <summary>
    /// Refuses a replica written in another layout (<c>Storage:GroupCommit</c>, docs/adr/0010-group-commit.md): a marker row
    /// in the other layout's table means the data lives there, and reading this table instead would serve every stream as
    /// empty. A marker in this table recording another shard count means rows would be looked for in the wrong shards.
    /// There is no migration yet: the setting is for new deployments.
    /// </summary>
    private async Task CheckLayoutAsync(CancellationToken token)
    {
        var own = await _table.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, [LayoutProperty, ShardsProperty], token).ConfigureAwait(false);
        if (own.HasValue && own.Value is { } marker)
        {
            var version = marker.GetInt32(LayoutProperty) ?? 1;
            var shards = marker.GetInt32(ShardsProperty) ?? 0;
            if (version != _layout.Version || shards != _layout.Shards)
            {
                throw new JournalLayoutMismatchException(
                    $"Storage replica {Index}: its journal table '{_table.Name}' was created in layout {version}{(shards > 0 ? $" with {shards} shards" : "")}, "
                    + $"but this silo is configured for {_layout} (Storage:GroupCommit). Changing the layout or shard count needs a migration, which does not exist yet.");
            }
        }

        try
        {
            var other = await _otherLayoutTable.GetEntityIfExistsAsync<TableEntity>(MarkerPartition, MarkerRow, [StateProperty], token).ConfigureAwait(false);
            if (other.HasValue)
            {
                throw new JournalLayoutMismatchException(
                    $"Storage replica {Index} holds a journal in table '{_otherLayoutTable.Name}' (the other layout), but this silo is configured for {_layout} "
                    + $"(Storage:GroupCommit:Enabled = {_layout.IsSharded}). Group commit is for new deployments: there is no migration between layouts yet.");
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The other layout's table does not exist: nothing was ever written in it.
        }
    }

    private void ForgetCreated()
    {
        lock (_gate)
        {
            _created = null;
        }
    }
}
