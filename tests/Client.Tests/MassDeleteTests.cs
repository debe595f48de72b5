using DeviceSync.Client.Tests.Support;

namespace DeviceSync.Client.Tests;

/// <summary>The device library and the server's mass-delete guard, against a real cluster.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Cluster")]
public sealed class MassDeleteTests(ClusterFixture fixture) : ClusterTest(fixture)
{
    [Fact]
    public async Task Held_deletes_stay_pending_without_a_resend_loop_and_apply_once_confirmed()
    {
        var account = await NewAccountAsync("massdel");
        var phone = await NewDeviceAsync(account, "phone");
        for (var i = 0; i < 150; i++)
        {
            phone.Put("notes", "n-" + i, """{"t":"x"}""");
        }

        await phone.SyncAsync();
        var requestsBefore = phone.Statistics.Requests;
        var held = new List<MassDeleteHold>();
        phone.MassDeleteHeld += held.Add;
        for (var i = 0; i < 120; i++)
        {
            phone.Delete("notes", "n-" + i);
        }

        await phone.SyncAsync();

        var hold = Assert.Single(held);
        Assert.Equal(new MassDeleteHold("notes", "mass-delete", 120, 150), hold);
        Assert.Equal([hold], phone.HeldMassDeletes);
        Assert.Equal(120, phone.Pending("notes").Count);
        Assert.InRange(phone.Statistics.Requests - requestsBefore, 1, 2); // refused once, not resent in a loop

        var tablet = await NewDeviceAsync(account, "tablet");
        tablet.Track("notes");
        await tablet.SyncAsync();
        Assert.Equal(150, tablet.Items("notes").Count(i => !i.Deleted)); // nothing was applied

        phone.ConfirmMassDelete("notes");
        await phone.SyncAsync();
        await tablet.SyncAsync();

        Assert.Empty(phone.Pending("notes"));
        Assert.Empty(phone.HeldMassDeletes);
        Assert.Equal(30, tablet.Items("notes").Count(i => !i.Deleted));
    }

    [Fact]
    public async Task Discarding_held_deletes_brings_the_items_back()
    {
        var account = await NewAccountAsync("massdel-undo");
        var phone = await NewDeviceAsync(account, "phone");
        for (var i = 0; i < 150; i++)
        {
            phone.Put("notes", "n-" + i, """{"t":"x"}""");
        }

        await phone.SyncAsync();
        for (var i = 0; i < 150; i++)
        {
            phone.Delete("notes", "n-" + i);
        }

        await phone.SyncAsync();
        Assert.Single(phone.HeldMassDeletes);

        phone.DiscardHeldDeletes("notes");
        await phone.SyncAsync();

        Assert.Empty(phone.Pending("notes"));
        Assert.Equal(150, phone.Items("notes").Count(i => !i.Deleted));
    }
}
