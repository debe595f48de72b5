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
}
