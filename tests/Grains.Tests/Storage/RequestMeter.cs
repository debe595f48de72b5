using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>
/// Records every storage request a store sends: method, path, body size and port (which replica). Can also make
/// every request to some ports fail, as a replica that answers with errors would.
/// </summary>
internal sealed class RequestMeter : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<MeteredRequest> _requests = new();
    private readonly ConcurrentDictionary<int, bool> _failing = new();

    /// <summary>Requests to these ports fail with a 503 before they are sent.</summary>
    public void FailPorts(params int[] ports)
    {
        _failing.Clear();
        foreach (var port in ports)
        {
            _failing[port] = true;
        }
    }

    public IReadOnlyList<MeteredRequest> Requests => [.. _requests];

    public void Reset() => _requests.Clear();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        ThrowIfFailing(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        ThrowIfFailing(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Record(HttpMessage message)
    {
        var length = message.Request.Content is { } content && content.TryComputeLength(out var computed) ? computed : 0;
        _requests.Enqueue(new MeteredRequest(message.Request.Method.ToString(), message.Request.Uri.Path, length, message.Request.Uri.Port));
    }

    private void ThrowIfFailing(HttpMessage message)
    {
        if (_failing.ContainsKey(message.Request.Uri.Port))
        {
            throw new Azure.RequestFailedException(503, "Injected failure: this replica is failing.");
        }
    }
}
