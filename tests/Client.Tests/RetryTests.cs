using System.Net;
using DeviceSync.Client.Tests.Support;
using DeviceSync.Testing;
using static DeviceSync.Client.Tests.Support.FakeGateway;

namespace DeviceSync.Client.Tests;

/// <summary>Backoff, Retry-After and giving up, on a scripted gateway and a time provider that never sleeps.</summary>
public sealed class RetryTests
{
    [Fact]
    public async Task A_429_waits_at_least_Retry_After_and_the_same_body_is_resent()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, _) =>
        {
            if (calls++ == 0)
            {
                var limited = ScriptedHandler.Problem(HttpStatusCode.TooManyRequests, "rate-limited");
                limited.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
                return limited;
            }

            return Answer("notes", """{"id":1,"status":"applied","version":1}""", cursor: "1");
        });
        var time = new ImmediateTimeProvider();
        var device = NewDevice(handler, time: time);
        device.Put("notes", "a", "{}");

        await device.SyncAsync();

        Assert.Equal(2, calls);
        Assert.Equal(handler.Bodies[0], handler.Bodies[1]);
        Assert.True(Assert.Single(time.Delays) >= TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Delays_grow_exponentially_with_jitter_and_the_device_gives_up_after_MaxAttempts_keeping_its_mutations()
    {
        var handler = new ScriptedHandler((_, _) => ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable, "unavailable"));
        var time = new ImmediateTimeProvider();
        var retry = new RetryOptions { MaxAttempts = 5, InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(4) };
        var device = NewDevice(handler, retry: retry, time: time);
        device.Put("notes", "a", "{}");

        var error = await Assert.ThrowsAsync<SyncProtocolException>(() => device.SyncAsync());

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (error.Status, error.Code));
        Assert.Equal(5, handler.Bodies.Count);
        var delays = time.Delays;
        Assert.Equal(4, delays.Count);
        double[] floors = [1, 2, 4, 4];
        for (var i = 0; i < 4; i++)
        {
            Assert.InRange(delays[i].TotalSeconds, floors[i], floors[i] * 2);
        }

        var pending = Assert.Single(device.Pending("notes"));
        Assert.True(pending.Sent);
    }

    [Fact]
    public async Task Connection_errors_and_timeouts_are_retried_but_a_400_is_not()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, _) => calls++ switch
        {
            0 => throw new HttpRequestException("connection refused"),
            1 => throw new TaskCanceledException("timeout", new TimeoutException()),
            2 => ScriptedHandler.Problem(HttpStatusCode.InternalServerError, "internal"),
            _ => ScriptedHandler.Problem(HttpStatusCode.BadRequest, "invalid-request"),
        });
        var device = NewDevice(handler);
        device.Track("notes");

        var error = await Assert.ThrowsAsync<SyncProtocolException>(() => device.SyncAsync());

        Assert.Equal((HttpStatusCode.BadRequest, "invalid-request", "scripted"), (error.Status, error.Code, error.Detail));
        Assert.Equal(4, calls);
        Assert.Equal(3, device.Connection.Client.RetryableFailures);
    }

    [Fact]
    public async Task A_503_with_Retry_After_from_a_gateway_at_capacity_is_waited_out_with_jitter_over_the_whole_wait()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, _) =>
        {
            if (calls++ < 3)
            {
                var shed = ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable, "unavailable");
                shed.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(2));
                return shed;
            }

            return Answer("notes", """{"id":1,"status":"applied","version":1}""", cursor: "1");
        });
        var time = new ImmediateTimeProvider();
        var device = NewDevice(handler, retry: new RetryOptions { InitialDelay = TimeSpan.FromMilliseconds(100) }, time: time);
        device.Put("notes", "a", "{}");

        await device.SyncAsync();

        Assert.Equal(4, calls);
        Assert.All(handler.Bodies, b => Assert.Equal(handler.Bodies[0], b));
        Assert.Equal(3, time.Delays.Count);
        Assert.All(time.Delays, d => Assert.InRange(d, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)));
    }

    [Fact]
    public async Task A_huge_Retry_After_is_capped_at_MaxRetryAfter()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, _) =>
        {
            if (calls++ == 0)
            {
                var shed = ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable, "unavailable");
                shed.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromHours(5));
                return shed;
            }

            return Answer("notes", """{"id":1,"status":"applied","version":1}""", cursor: "1");
        });
        var time = new ImmediateTimeProvider();
        var retry = new RetryOptions { MaxRetryAfter = TimeSpan.FromSeconds(30), MaxDuration = TimeSpan.FromMinutes(2) };
        var device = NewDevice(handler, retry: retry, time: time);
        device.Put("notes", "a", "{}");

        await device.SyncAsync();

        Assert.Equal(2, calls);
        Assert.InRange(Assert.Single(time.Delays), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
    }
}
