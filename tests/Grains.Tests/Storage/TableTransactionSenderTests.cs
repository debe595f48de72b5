using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using DeviceSync.Grains.Storage;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// The hand-written entity-group transaction (<see cref="TableTransactionSender"/>) against a real Azurite: what it writes
/// reads back through the SDK exactly as the SDK's own transaction would have written it, and a refused transaction names
/// the same action, status and code as the SDK's <c>TableTransactionFailedException</c>, with nothing applied.
/// </summary>
public sealed class TableTransactionSenderTests(AzuriteReplicaSet replicas) : IClassFixture<AzuriteReplicaSet>
{
    [Fact]
    public async Task Every_property_type_reads_back_as_the_SDK_writes_it_and_each_action_gets_its_ETag()
    {
        var (sender, table) = await NewTableAsync();
        var written = new TableEntity("s07", "acct-1~2Fcontacts!0000000000000000001")
        {
            ["V"] = 1,
            ["Length"] = 5_000_000_000L,
            ["EntryId"] = "it's \"quoted\", ünïcødé and <tags> & \\ slashes",
            ["P00"] = new byte[] { 0, 1, 2, 250, 255 },
            ["Ratio"] = 1.5,
            ["Flag"] = true,
            ["Id"] = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            ["At"] = new DateTimeOffset(2026, 11, 27, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567),
        };
        var sdkWritten = new TableEntity("s07", "sdk-copy");
        foreach (var (name, value) in written)
        {
            if (name is not ("PartitionKey" or "RowKey"))
            {
                sdkWritten[name] = value;
            }
        }

        var etags = await sender.SubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, written),
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s07", "acct-1~2Fcontacts!0000000000000000000")),
            ],
            CancellationToken.None);
        await table.AddEntityAsync(sdkWritten);

        var ours = (await table.GetEntityAsync<TableEntity>(written.PartitionKey, written.RowKey)).Value;
        var theirs = (await table.GetEntityAsync<TableEntity>("s07", "sdk-copy")).Value;
        Assert.Equal(2, etags.Length);
        Assert.Equal(ours.ETag, etags[0]);
        Assert.Equal((await table.GetEntityAsync<TableEntity>("s07", "acct-1~2Fcontacts!0000000000000000000")).Value.ETag, etags[1]);
        foreach (var name in new[] { "V", "Length", "EntryId", "Ratio", "Flag", "Id", "At" })
        {
            Assert.Equal(theirs[name], ours[name]);
            Assert.Equal(written[name], ours[name]);
        }

        Assert.Equal(theirs.GetBinary("P00"), ours.GetBinary("P00"));
    }

    [Fact]
    public async Task Merge_replace_upsert_and_delete_address_keys_with_quotes_and_reserved_characters()
    {
        var (sender, table) = await NewTableAsync();
        const string Partition = "s00";
        var row = "a'b!c d~2F%x";
        await sender.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, row) { ["A"] = 1 })], CancellationToken.None);

        await sender.SubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(Partition, row) { ["B"] = 2 }, ETag.All),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(Partition, "other'") { ["C"] = 3 }),
            ],
            CancellationToken.None);
        var merged = (await table.GetEntityAsync<TableEntity>(Partition, row)).Value;
        Assert.Equal(1, merged["A"]);
        Assert.Equal(2, merged["B"]);

        await sender.SubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity(Partition, row) { ["D"] = 4 }, merged.ETag),
                new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity(Partition, "other'") { ["E"] = 5 }),
            ],
            CancellationToken.None);
        var replaced = (await table.GetEntityAsync<TableEntity>(Partition, row)).Value;
        Assert.False(replaced.ContainsKey("A"));
        Assert.Equal(4, replaced["D"]);
        var upserted = (await table.GetEntityAsync<TableEntity>(Partition, "other'")).Value;
        Assert.Equal(3, upserted["C"]);
        Assert.Equal(5, upserted["E"]);

        var etags = await sender.SubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, row), ETag.All),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, "other'"), upserted.ETag),
            ],
            CancellationToken.None);
        Assert.Equal(2, etags.Length);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(Partition, row)).HasValue);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(Partition, "other'")).HasValue);
    }

    [Fact]
    public async Task A_refused_action_is_named_with_the_SDKs_index_status_and_code_and_nothing_is_applied()
    {
        var (sender, table) = await NewTableAsync();
        await table.AddEntityAsync(new TableEntity("s01", "taken"));

        var conflict = await Assert.ThrowsAsync<TableTransactionActionFailedException>(() => sender.SubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s01", "fresh")),
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s01", "taken")),
            ],
            CancellationToken.None));
        var sdkConflict = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s01", "fresh")),
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s01", "taken")),
            ]));
        Assert.Equal((sdkConflict.FailedTransactionActionIndex, sdkConflict.Status, sdkConflict.ErrorCode), (conflict.FailedActionIndex, conflict.Status, conflict.ErrorCode));
        Assert.Equal((1, 409, "EntityAlreadyExists"), (conflict.FailedActionIndex, conflict.Status, conflict.ErrorCode));
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("s01", "fresh")).HasValue);

        var missing = await Assert.ThrowsAsync<TableTransactionActionFailedException>(() => sender.SubmitAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s01", "fresh")),
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity("s01", "absent"), ETag.All),
            ],
            CancellationToken.None));
        Assert.Equal((1, 404, "ResourceNotFound"), (missing.FailedActionIndex, missing.Status, missing.ErrorCode));
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("s01", "fresh")).HasValue);
    }

    [Fact]
    public async Task A_missing_table_is_the_replicas_loss_as_with_the_SDK()
    {
        var (sender, _) = await NewTableAsync(create: false);

        var lost = await Assert.ThrowsAsync<TableTransactionActionFailedException>(() => sender.SubmitAsync(
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s00", "r"))], CancellationToken.None));
        Assert.Equal((404, "TableNotFound"), (lost.Status, lost.ErrorCode));
        Assert.True(JournalReplica.IsMissingContainer(lost));
    }

    [Fact]
    public async Task Requests_go_through_the_replicas_pipeline_so_its_policies_see_and_can_fail_them()
    {
        var policy = new FailingPolicy();
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        var (sender, table) = await NewTableAsync(options);

        await sender.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s00", "a"))], CancellationToken.None);
        Assert.Equal(1, policy.Batches);

        policy.Fail = true;
        var failed = await Assert.ThrowsAsync<RequestFailedException>(() => sender.SubmitAsync(
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("s00", "b"))], CancellationToken.None));
        Assert.Equal(503, failed.Status);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("s00", "b")).HasValue);
    }

    [Fact]
    public void A_connection_string_without_a_key_keeps_the_SDK()
    {
        var parts = replicas.ConnectionStrings[0].Split(';', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("AccountKey=", StringComparison.Ordinal));
        var clients = new ReplicaClients(string.Join(';', parts.Append("SharedAccessSignature=sv=2020-12-06&sig=x")), new TableClientOptions(), new BlobClientOptions());
        Assert.False(clients.UsesSas);
        Assert.Null(TableTransactionSender.TryCreate(clients, new TableClientOptions(), "t"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Storage_HandWrittenTransactions_chooses_who_writes_the_appends_transactions(bool handWritten)
    {
        var store = TestStores.Create(groupCommit: false, replicas.ConnectionStrings, handWrittenTransactions: handWritten);
        Assert.All(store.Replicas, r => Assert.Equal(handWritten, r.WritesTransactionsByHand));
    }

    [Fact]
    public void The_answer_reader_needs_one_result_per_action()
    {
        const string Answer =
            "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_1\r\n\r\n" +
            "--changesetresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "HTTP/1.1 204 No Content\r\nDataServiceVersion: 3.0;\r\nETag: W/\"datetime'2026-11-27T02%3A54%3A29.9061310Z'\"\r\n\r\n\r\n" +
            "--changesetresponse_1--\r\n--batchresponse_1--\r\n";
        var etags = TableTransactionSender.ReadAnswer(Encoding.UTF8.GetBytes(Answer), 1);
        Assert.Equal(new ETag("W/\"datetime'2026-11-27T02%3A54%3A29.9061310Z'\""), etags[0]);

        // Fewer results than actions would leave an action without an outcome: refused, never taken for success.
        Assert.Throws<RequestFailedException>(() => TableTransactionSender.ReadAnswer(Encoding.UTF8.GetBytes(Answer), 2));
        Assert.Throws<RequestFailedException>(() => TableTransactionSender.ReadAnswer("<html>proxy error</html>"u8, 1));
    }

    /// <summary>A sender and an SDK client for a table of its own on replica 0, created unless <paramref name="create"/> is false.</summary>
    private async Task<(TableTransactionSender Sender, TableClient Table)> NewTableAsync(TableClientOptions? options = null, bool create = true)
    {
        options ??= new TableClientOptions();
        var clients = new ReplicaClients(replicas.ConnectionStrings[0], options, new BlobClientOptions());
        var name = TestStores.NewPrefix();
        var table = clients.Tables.GetTableClient(name);
        if (create)
        {
            await table.CreateIfNotExistsAsync();
        }

        return (TableTransactionSender.TryCreate(clients, options, name)!, table);
    }

    /// <summary>Counts <c>$batch</c> requests and, when told to, answers them with a 503 without sending them.</summary>
    private sealed class FailingPolicy : HttpPipelinePolicy
    {
        public int Batches;

        public volatile bool Fail;

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Batches);
                if (Fail)
                {
                    throw new RequestFailedException(503, "Injected by the test.");
                }
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();
    }
}
