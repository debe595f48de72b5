using System.Net;
using System.Net.Sockets;
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
}
