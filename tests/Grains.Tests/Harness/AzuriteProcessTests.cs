using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using DeviceSync.Testing;

namespace DeviceSync.Grains.Tests.Harness;

/// <summary>
/// The storage replica every durability test stands on: a test must only ever talk to the Azurite it started, or a
/// "replica" can vanish mid-test when another test stops its own.
/// </summary>
public sealed class AzuriteProcessTests
{
    [Fact]
    public async Task A_restart_whose_port_another_process_took_meanwhile_fails_instead_of_using_that_process()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        await azurite.StopAsync();

        // Someone else listens on the table port now (another test's Azurite, say): it answers a connect, but it is not
        // ours. (Azurite binds blob, queue, then table, so ours answers on blob until it exits on the table bind.)
        var squatter = new TcpListener(IPAddress.Loopback, azurite.TablePort);
        squatter.Start();
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => azurite.RestartAsync());
            Assert.Contains("EADDRINUSE", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            squatter.Stop();
        }

        await azurite.RestartAsync();
        Assert.True(azurite.IsRunning);
    }

    [Fact]
    public async Task An_in_memory_replica_serves_tables_and_blobs_and_writes_no_database_file()
    {
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);

        var table = new TableClient(azurite.ConnectionString, "inmemory");
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["v"] = 1 });
        Assert.Equal(1, (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("v"));
        var container = new BlobContainerClient(azurite.ConnectionString, "inmemory");
        await container.CreateIfNotExistsAsync();
        await container.UploadBlobAsync("b", BinaryData.FromString("x"));

        // Azurite's on-disk mode saves its tables to this file within seconds; in memory there is none to save.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.False(File.Exists(Path.Combine(azurite.Location, "__azurite_db_table__.json")));
    }

    /// <summary>
    /// Azurite saves its tables every 5 s, so a crash loses the last seconds; a stop must not. <see cref="AzuriteProcess.StopAsync"/>
    /// (and run.sh) kill the process as soon as it says its services closed, without waiting for a save interval: that
    /// is safe only because closing saves first. Rows and a blob written just before the stop are all there after a
    /// restart. The same writes before a <see cref="AzuriteProcess.Kill"/> are not, which shows the test can tell.
    /// </summary>
    [Fact]
    public async Task A_stop_keeps_what_was_written_just_before_it_and_a_kill_does_not()
    {
        await using var azurite = await AzuriteProcess.StartAsync();
        var table = new TableClient(azurite.ConnectionString, "stopsaves");
        await table.CreateIfNotExistsAsync();
        var container = new BlobContainerClient(azurite.ConnectionString, "stopsaves");
        await container.CreateIfNotExistsAsync();
        await Task.Delay(TimeSpan.FromSeconds(6)); // one save past the table's creation: what follows is unsaved

        await WriteAsync("before-stop");
        await azurite.StopAsync();
        await azurite.RestartAsync();
        Assert.Equal(10, await CountAsync("before-stop"));
        Assert.True(await container.GetBlobClient("before-stop").ExistsAsync());

        await Task.Delay(TimeSpan.FromSeconds(6));
        await WriteAsync("before-kill");
        azurite.Kill();
        await azurite.RestartAsync();
        Assert.Equal(10, await CountAsync("before-stop"));
        Assert.True(await CountAsync("before-kill") < 10, "a kill within Azurite's save interval should lose rows; if not, this test cannot tell a stop that saves from one that does not");

        // The rows last, right before the stop or the kill: a save between them and a kill would hide the loss.
        async Task WriteAsync(string partition)
        {
            await container.UploadBlobAsync(partition, BinaryData.FromString(partition));
            for (var i = 0; i < 10; i++)
            {
                await table.AddEntityAsync(new TableEntity(partition, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        async Task<int> CountAsync(string partition)
        {
            var count = 0;
            await foreach (var _ in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition))
            {
                count++;
            }

            return count;
        }
    }
}
