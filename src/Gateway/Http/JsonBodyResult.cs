using System.Text.Json;

namespace DeviceSync.Gateway.Http;

/// <summary>
/// A JSON response written by hand with <see cref="Utf8JsonWriter"/>, so raw item data passes through untouched.
/// Large bodies are streamed: the writer callback may flush as it goes.
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
        var body = response.BodyWriter;
        await using var writer = new Utf8JsonWriter(body);
        async Task FlushIfLarge()
        {
            if (writer.BytesPending >= FlushThresholdBytes)
            {
                await writer.FlushAsync(httpContext.RequestAborted);
                await body.FlushAsync(httpContext.RequestAborted);
            }
        }

        await write(writer, FlushIfLarge);
        await writer.FlushAsync(httpContext.RequestAborted);
        await body.FlushAsync(httpContext.RequestAborted);
    }
}
