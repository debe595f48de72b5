using DeviceSync.Client.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.Client.Tests;

/// <summary>The device library's events listener against the real gateway and cluster: it syncs on connect, on every
/// change another device makes, again after the gateway restarts under it, and stops for good when revoked.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EventListenerTests(ClusterFixture fixture) : ClusterTest(fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly EventListenerOptions QuickReconnect = new() { InitialReconnectDelay = TimeSpan.FromMilliseconds(200), MaxReconnectDelay = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task Another_device_s_change_lands_in_the_listening_device_s_store_without_it_calling_sync()
    {
        var account = await NewAccountAsync("listen");
        var phone = await NewDeviceAsync(account, "phone");
        var laptop = await NewDeviceAsync(account, "laptop");
        laptop.Track("notes");
        await using var listener = new EventListener(laptop, QuickReconnect);
        var changes = new List<ChangedEvent>();
        listener.Changed += e => { lock (changes) { changes.Add(e); } };
        listener.Start();
        await Eventually.WaitAsync(() => listener.Syncs >= 1, Deadline, "the listener did not sync after connecting");

        phone.Put("notes", "n-1", """{"text":"hello"}""");
        await phone.SyncAsync();

        await Eventually.WaitAsync(() => laptop.Get("notes", "n-1") is not null, Deadline, "the change did not reach the listening device");
        lock (changes)
        {
            Assert.Contains(changes, e => e.Collection == "notes");
        }
    }

    [Fact]
    public async Task A_revoked_device_s_listener_stops_for_good()
    {
        var account = await NewAccountAsync("listen-revoke");
        var phone = await NewDeviceAsync(account, "phone");
        var lost = await NewDeviceAsync(account, "lost");
        await using var listener = new EventListener(lost, QuickReconnect);
        listener.Start();
        await Eventually.WaitAsync(() => listener.Connects >= 1, Deadline, "the listener did not connect");

        await phone.Connection.RevokeDeviceAsync(lost.DeviceId);

        await listener.Completion.WaitAsync(Deadline);
        Assert.True(listener.Revoked);
        Assert.Equal(1, listener.Connects);
    }

    [Fact]
    public async Task After_the_gateway_restarts_the_listener_reconnects_syncs_and_hears_changes_again()
    {
        var account = await NewAccountAsync("listen-restart");
        var phone = await NewDeviceAsync(account, "phone");
        var tablet = await NewDeviceAsync(account, "tablet");
        tablet.Track("tasks");
        await using var listener = new EventListener(tablet, QuickReconnect);
        listener.Start();
        await Eventually.WaitAsync(() => listener.Connects >= 1 && listener.Syncs >= 1, Deadline, "the listener did not connect and sync");

        // A gateway roll: its sockets close (1001), it comes back on the same address.
        await Fixture.Cluster.Gateway.StopAsync();
        await Fixture.Cluster.Gateway.StartAsync();

        await Eventually.WaitAsync(() => listener.Connects >= 2, TimeSpan.FromSeconds(60), "the listener did not reconnect");
        phone.Put("tasks", "t-1", """{"done":false}""");
        await phone.SyncAsync();
        await Eventually.WaitAsync(() => tablet.Get("tasks", "t-1") is not null, Deadline, "a change after the reconnect did not reach the device");
        Assert.False(listener.Revoked);
    }
}
