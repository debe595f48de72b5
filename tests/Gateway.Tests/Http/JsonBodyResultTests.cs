using System.Text;
using System.Text.Json;
using DeviceSync.Gateway.Http;
using Microsoft.AspNetCore.Http;

namespace DeviceSync.Gateway.Tests.Http;

/// <summary>The two shapes of a JSON answer: whole with a length under the flush threshold, streamed past it.</summary>
public sealed class JsonBodyResultTests
{
    [Fact]
    public async Task A_small_body_is_written_once_with_its_length()
    {
        var (context, output) = NewContext();
        var result = new JsonBodyResult(201, (writer, flushIfLarge) => WriteItemsAsync(writer, flushIfLarge, 3, 100));

        await result.ExecuteAsync(context);

        var body = output.ToArray();
        Assert.Equal(201, context.Response.StatusCode);
        Assert.Equal(body.Length, context.Response.ContentLength);
        AssertItems(body, 3, 100);
    }

    [Fact]
    public async Task A_large_body_is_streamed_without_a_length_and_arrives_whole()
    {
        var (context, output) = NewContext();
        var result = new JsonBodyResult(200, (writer, flushIfLarge) => WriteItemsAsync(writer, flushIfLarge, 50, 10_000));

        await result.ExecuteAsync(context);

        Assert.Null(context.Response.ContentLength);
        AssertItems(output.ToArray(), 50, 10_000);
    }

    [Fact]
    public async Task A_body_written_without_flushing_keeps_its_length_at_any_size()
    {
        var (context, output) = NewContext();
        var result = new JsonBodyResult(200, writer =>
        {
            writer.WriteStartArray();
            for (var i = 0; i < 20; i++)
            {
                writer.WriteStringValue(new string('y', 10_000));
            }

            writer.WriteEndArray();
        });

        await result.ExecuteAsync(context);

        var body = output.ToArray();
        Assert.Equal(body.Length, context.Response.ContentLength);
        Assert.Equal(20, JsonDocument.Parse(body).RootElement.GetArrayLength());
    }

    private static (DefaultHttpContext Context, MemoryStream Output) NewContext()
    {
        var output = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Response.Body = output;
        return (context, output);
    }

    private static async Task WriteItemsAsync(Utf8JsonWriter writer, Func<Task> flushIfLarge, int count, int size)
    {
        writer.WriteStartArray();
        for (var i = 0; i < count; i++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("i", i);
            writer.WriteString("text", new string((char)('a' + (i % 26)), size));
            writer.WriteEndObject();
            await flushIfLarge();
        }

        writer.WriteEndArray();
    }

    private static void AssertItems(byte[] body, int count, int size)
    {
        using var document = JsonDocument.Parse(Encoding.UTF8.GetString(body));
        var items = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(count, items.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i, items[i].GetProperty("i").GetInt32());
            Assert.Equal(size, items[i].GetProperty("text").GetString()!.Length);
        }
    }
}
