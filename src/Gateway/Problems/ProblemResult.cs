using System.Text.Json;

namespace DeviceSync.Gateway.Problems;

/// <summary>Writes an <c>application/problem+json</c> body: <c>{"type","title","status","code","detail"}</c>.</summary>
public sealed class ProblemResult(Problem problem) : IResult
{
    public const string ContentType = "application/problem+json";

    public Problem Problem { get; } = problem;

    /// <summary>Extra headers such as <c>Retry-After</c> or <c>WWW-Authenticate</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public static ProblemResult Of(string code, string detail) => new(new Problem(code, detail));

    public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, Problem, Headers);

    public static async Task WriteAsync(HttpContext httpContext, Problem problem, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        var response = httpContext.Response;
        response.StatusCode = problem.Status;
        foreach (var (name, value) in headers ?? [])
        {
            response.Headers[name] = value;
        }

        response.ContentType = ContentType;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", ProblemCodes.TypeBase + problem.Code);
            writer.WriteString("title", ProblemCodes.TitleOf(problem.Code));
            writer.WriteNumber("status", problem.Status);
            writer.WriteString("code", problem.Code);
            writer.WriteString("detail", problem.Detail);
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), httpContext.RequestAborted);
    }
}
