using System.Net;
using DeviceSync.Testing;

namespace DeviceSync.Client.Tests.Support;

/// <summary>
/// Sits in front of the real gateway and spoils the first few <c>/v1/sync</c> calls: answers 503 without forwarding,
/// times out without forwarding, or forwards and then drops the response (a lost answer).
/// </summary>
public sealed class FaultInjectingHandler : DelegatingHandler
{
    private readonly Queue<Fault> _faults;

    public FaultInjectingHandler(params Fault[] faults)
        : base(new SocketsHttpHandler())
    {
        _faults = new Queue<Fault>(faults);
    }

    public enum Fault
    {
        None = 0,
        Unavailable = 1,
        Timeout = 2,
        DropResponse = 3,
    }

    public int Injected { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Fault fault;
        lock (_faults)
        {
            fault = request.RequestUri!.AbsolutePath.EndsWith("/v1/sync", StringComparison.Ordinal) && _faults.Count > 0 ? _faults.Dequeue() : Fault.None;
        }

        switch (fault)
        {
            case Fault.Unavailable:
                Injected++;
                return ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable, "unavailable");
            case Fault.Timeout:
                Injected++;
                throw new TaskCanceledException("injected timeout", new TimeoutException());
            case Fault.DropResponse:
                Injected++;
                using (var response = await base.SendAsync(request, cancellationToken))
                {
                    await response.Content.ReadAsByteArrayAsync(cancellationToken);
                }

                throw new HttpRequestException("injected: response lost");
            default:
                return await base.SendAsync(request, cancellationToken);
        }
    }
}
