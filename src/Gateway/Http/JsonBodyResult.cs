using System.Text.Json;

namespace DeviceSync.Gateway.Http;

/// <summary>
/// A JSON response written by hand with <see cref="Utf8JsonWriter"/>, so raw item data passes through untouched.
/// A body under <see cref="FlushThresholdBytes"/> is sent whole with its <c>Content-Length</c>; a larger one is streamed
/// (chunked) from the first time the writer callback asks to flush past the threshold (<see cref="ResponseBodyBuffer"/>).
/// </summary>
public sealed class JsonBodyResult(int statusCode, Func<Utf8JsonWriter, Func<Task>, Task> write) : IResult
{
    public const int FlushThresholdBytes = 64 * 1024;

    public JsonBodyResult(int statusCode, Action<Utf8JsonWriter> write)
        : this(statusCode, (writer, _) =>
        {
            write(writer);
            return Task.CompletedTask;
        })
    {
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        using var body = new ResponseBodyBuffer(response.BodyWriter);
        await using var writer = new Utf8JsonWriter(body);
        async Task FlushIfLarge()
        {
            if (writer.BytesPending + body.Buffered < FlushThresholdBytes)
            {
                return;
            }

            writer.Flush();
            body.StartStreaming();
            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }

        await write(writer, FlushIfLarge);
        writer.Flush();
        await body.CompleteAsync(response, httpContext.RequestAborted);
    }
}
