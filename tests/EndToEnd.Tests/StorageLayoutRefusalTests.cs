using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// A silo configured for the other journal layout (<c>Storage:GroupCommit</c>, docs/adr/0010-group-commit.md) refuses to
/// start against replicas that hold a journal in this one: reading the wrong table would serve every stream as empty,
/// and devices told "empty" by the server would be asked to hand back (or would drop) what they hold. The process
/// exits before it is ready, says why in its log, and the silos already running go on serving.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class StorageLayoutRefusalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_configured_for_group_commit_refuses_to_start_on_a_per_stream_journal_and_the_cluster_keeps_serving()
    {
        await using var cluster = new LocalCluster(new LocalClusterOptions { Silos = 1, Backup = false });
        await cluster.InitializeAsync();
        using var http = cluster.CreateClient();
        var client = new E2eClient(http);
        var device = await client.NewAccountAsync("layout");
        await client.SyncOneAsync(device, "notes", null, E2eClient.PutNew(1, "before"));

        await using var refusing = cluster.CreateSilo("silo-groupcommit", new Dictionary<string, string>
        {
            ["Storage:GroupCommit:Enabled"] = "true",
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => refusing.StartAsync());
        output.WriteLine(error.Message);

        Assert.Contains("exited before it was ready", error.Message, StringComparison.Ordinal);
        var log = await File.ReadAllTextAsync(refusing.LogPath);
        Assert.Contains("JournalLayoutMismatchException", log, StringComparison.Ordinal);
        Assert.Contains("there is no migration between layouts yet", log, StringComparison.Ordinal);
        Assert.False(refusing.IsRunning);

        // Nothing was written in the other layout, and the running silo still serves what it stored.
        Assert.True(cluster.Silos[0].IsRunning);
        await client.SyncOneAsync(device, "notes", null, E2eClient.PutNew(2, "after"));
        var items = await client.PullAllAsync(device, "notes");
        Assert.Equal(["after", "before"], items.Keys.Order(StringComparer.Ordinal));
    }
}
