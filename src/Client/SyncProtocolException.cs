using System.Net;

namespace DeviceSync.Client;

/// <summary>An error answer from the gateway (problem+json), or a retryable failure that outlasted the retry budget.</summary>
public sealed class SyncProtocolException : Exception
{
    public SyncProtocolException(HttpStatusCode status, string code, string? detail, Exception? inner = null)
        : base($"{(int)status} {code}: {detail}", inner)
    {
        Status = status;
        Code = code;
        Detail = detail;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The stable machine-readable code (<c>invalid-request</c>, <c>unauthorized</c>, <c>unavailable</c>, ...).</summary>
    public string Code { get; }

    /// <summary>The human-readable detail; its wording may change.</summary>
    public string? Detail { get; }
}
