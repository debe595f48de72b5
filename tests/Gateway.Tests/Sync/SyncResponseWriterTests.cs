using System.Buffers;
using System.Text;
using System.Text.Json;
using DeviceSync.Contracts.Sync;
using DeviceSync.Gateway.Sync;

namespace DeviceSync.Gateway.Tests.Sync;

public sealed class SyncResponseWriterTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Writes_the_protocol_shape()
    {
        var result = new SyncCollectionResult
        {
            Results =
            [
                new MutationResult { Id = 17, Status = MutationStatus.Applied, Version = 43 },
                new MutationResult { Id = 18, Status = MutationStatus.Conflict, Current = new ItemState { ItemId = "c-2", Version = 20, Data = "{}", ModifiedAt = At, ModifiedBy = "d0" } },
                new MutationResult { Id = 19, Status = MutationStatus.Duplicate, Version = null },
                new MutationResult { Id = 20, Status = MutationStatus.Conflict, Current = null },
            ],
            Changes =
            [
                new ItemState { ItemId = "c-1", Version = 43, Data = "{\"name\": \"Ann\"}", ModifiedAt = At, ModifiedBy = "d1" },
                new ItemState { ItemId = "c-9", Version = 44, Deleted = true, ModifiedAt = At.AddMilliseconds(5), ModifiedBy = "d1" },
            ],
            Cursor = 44,
            HasMore = true,
        };

        using var json = await WriteAsync(result);
        var collection = json.RootElement.GetProperty("collections")[0];
        Assert.Equal("contacts", collection.GetProperty("name").GetString());
        var results = collection.GetProperty("results");
        Assert.Equal("""{"id":17,"status":"applied","version":43}""", results[0].GetRawText());
        Assert.Equal("conflict", results[1].GetProperty("status").GetString());
        Assert.Equal(20, results[1].GetProperty("current").GetProperty("version").GetInt64());
        Assert.False(results[1].GetProperty("current").GetProperty("deleted").GetBoolean());
        Assert.Equal("""{"id":19,"status":"duplicate","version":0}""", results[2].GetRawText());
        Assert.Equal(JsonValueKind.Null, results[3].GetProperty("current").ValueKind);

        var changes = collection.GetProperty("changes");
        Assert.Equal("""{"itemId":"c-1","version":43,"deleted":false,"data":{"name": "Ann"},"modifiedAt":"2026-11-25T10:00:00Z","modifiedBy":"d1"}""", changes[0].GetRawText());
        Assert.True(changes[1].GetProperty("deleted").GetBoolean());
        Assert.False(changes[1].TryGetProperty("data", out _));
        Assert.Equal("2026-11-25T10:00:00.005Z", changes[1].GetProperty("modifiedAt").GetString());
        Assert.Equal("44", collection.GetProperty("cursor").GetString());
        Assert.True(collection.GetProperty("hasMore").GetBoolean());
        Assert.Equal(JsonValueKind.Null, collection.GetProperty("resync").ValueKind);
    }

    [Theory]
    [InlineData(ResyncReason.ServerBehind, "server-behind")]
    [InlineData(ResyncReason.EpochChanged, "epoch-changed")]
    [InlineData(ResyncReason.CursorExpired, "cursor-expired")]
    public async Task A_resync_carries_no_changes_and_a_null_cursor(ResyncReason reason, string text)
    {
        var result = new SyncCollectionResult
        {
            Changes = [new ItemState { ItemId = "x", Version = 1, Data = "{}" }],
            Cursor = 9,
            HasMore = true,
            Resync = new ResyncInstruction { Reason = reason, SafeVersion = 12 },
        };

        using var json = await WriteAsync(result);
        var collection = json.RootElement.GetProperty("collections")[0];
        Assert.Equal(0, collection.GetProperty("changes").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, collection.GetProperty("cursor").ValueKind);
        Assert.False(collection.GetProperty("hasMore").GetBoolean());
        Assert.Equal($$"""{"reason":"{{text}}","safeVersion":12}""", collection.GetProperty("resync").GetRawText());
    }

    [Fact]
    public async Task A_null_cursor_is_written_as_null()
    {
        using var json = await WriteAsync(new SyncCollectionResult());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("collections")[0].GetProperty("cursor").ValueKind);
    }

    [Fact]
    public void Unknown_statuses_are_caught_before_writing()
    {
        Assert.Throws<InvalidOperationException>(() => SyncResponseWriter.EnsureWritable(new SyncCollectionResult { Results = [new MutationResult { Id = 1 }] }));
        Assert.Throws<InvalidOperationException>(() => SyncResponseWriter.EnsureWritable(new SyncCollectionResult { Resync = new ResyncInstruction() }));
    }

    private static async Task<JsonDocument> WriteAsync(SyncCollectionResult result)
    {
        var buffer = new ArrayBufferWriter<byte>();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            await SyncResponseWriter.WriteAsync(writer, [new SyncCollectionPart("contacts", null, 500, [])], [result], () => Task.CompletedTask);
        }

        return JsonDocument.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
