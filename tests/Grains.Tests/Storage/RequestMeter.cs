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
    private Hook? _beforeNext;
    private Hook? _afterNext;

    /// <summary>Requests to these ports fail with a 503 before they are sent.</summary>
    public void FailPorts(params int[] ports)
    {
        _failing.Clear();
        foreach (var port in ports)
        {
            _failing[port] = true;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> once, just before the next request that <paramref name="match"/> accepts is sent:
    /// something that happens on a replica between two of the store's requests (another write landing, say).
    /// </summary>
    public void BeforeNext(Func<HttpMessage, bool> match, Func<Task> action) => Volatile.Write(ref _beforeNext, new Hook(match, action));

    /// <summary>
    /// Runs <paramref name="action"/> once, after the answer to the next request that <paramref name="match"/> accepts has
    /// arrived and before the store reads it: an answer held up on its way while other things happen on the replica.
    /// </summary>
    public void AfterNext(Func<HttpMessage, bool> match, Func<Task> action) => Volatile.Write(ref _afterNext, new Hook(match, action));

    public IReadOnlyList<MeteredRequest> Requests => [.. _requests];

    public void Reset() => _requests.Clear();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        ThrowIfFailing(message);
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Record(message);
        ThrowIfFailing(message);
        if (Take(ref _beforeNext, message) is { } before)
        {
            await before.Action().ConfigureAwait(false);
        }

        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (Take(ref _afterNext, message) is { } after)
        {
            await after.Action().ConfigureAwait(false);
        }
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

    /// <summary>The hook in <paramref name="slot"/> if it accepts <paramref name="message"/>, taken out so it runs once.</summary>
    private static Hook? Take(ref Hook? slot, HttpMessage message) =>
        Volatile.Read(ref slot) is { } hook && hook.Match(message) && Interlocked.CompareExchange(ref slot, null, hook) == hook ? hook : null;

    private sealed record Hook(Func<HttpMessage, bool> Match, Func<Task> Action);
}
