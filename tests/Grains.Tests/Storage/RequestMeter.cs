using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace DeviceSync.Grains.Tests.Storage;

/// <summary>Records every storage request a store sends: method, path and body size.</summary>
internal sealed class RequestMeter : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<MeteredRequest> _requests = new();

    public IReadOnlyList<MeteredRequest> Requests => [.. _requests];

    public void Reset() => _requests.Clear();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Record(HttpMessage message)
    {
        var length = message.Request.Content is { } content && content.TryComputeLength(out var computed) ? computed : 0;
        _requests.Enqueue(new MeteredRequest(message.Request.Method.ToString(), message.Request.Uri.Path, length));
    }
}
