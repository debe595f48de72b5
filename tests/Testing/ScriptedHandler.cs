using System.Net;
using System.Text;
using System.Text.Json;

namespace DeviceSync.Testing;

/// <summary>A fake gateway: each request is answered by the script (request path, parsed body) → response.</summary>
public sealed class ScriptedHandler(Func<string, JsonElement?, HttpResponseMessage> script) : HttpMessageHandler
{
    private readonly List<string> _bodies = [];

    public IReadOnlyList<string> Bodies
    {
        get
        {
            lock (_bodies)
            {
                return [.. _bodies];
            }
        }
    }

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, status == HttpStatusCode.OK ? "application/json" : "application/problem+json") };

    public static HttpResponseMessage Problem(HttpStatusCode status, string code) =>
        Json($$"""{"type":"https://devicesync.dev/problems/{{code}}","title":"x","status":{{(int)status}},"code":"{{code}}","detail":"scripted"}""", status);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        if (body is not null)
        {
            lock (_bodies)
            {
                _bodies.Add(body);
            }
        }

        using var doc = body is null ? null : JsonDocument.Parse(body);
        return script(request.RequestUri!.AbsolutePath, doc?.RootElement.Clone());
    }
}
