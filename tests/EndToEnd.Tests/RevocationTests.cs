using System.Diagnostics;
using System.Net;
using DeviceSync.EndToEnd.Tests.Support;
using DeviceSync.Testing;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>Two gateway processes in front of one cluster: a device revoked on one is refused by the other within 5 s.</summary>
[Trait("Category", "EndToEnd")]
public sealed class RevocationTests(ITestOutputHelper output)
    : TwoGatewayClusterTest(output, new LocalClusterOptions { Silos = 1 })
{
    [Fact]
    public async Task A_device_revoked_on_one_gateway_gets_401_on_another_within_5_seconds()
    {
        var a = Client;
        var b = new E2eClient(SecondHttp);
        var keeper = await a.NewAccountAsync("revoke");
        var revoked = await a.AddDeviceAsync(keeper.AccountId, "lost-phone");

        // Gateway B has checked (and cached) the token before the revocation.
        await b.SyncOneAsync(revoked, "notes", null, E2eClient.PutNew(1, "n-1"));
        await b.SyncOneAsync(revoked, "notes", null);

        using (var deleted = await a.SendAsync(HttpMethod.Delete, "/v1/devices/" + revoked.DeviceId, keeper.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var sinceRevoked = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Unauthorized, (await a.SyncRawAsync(revoked, E2eClient.Body("notes", null, []))).Status);

        await Eventually.WaitAsync(
            async () => (await b.SyncRawAsync(revoked, E2eClient.Body("notes", null, []))).Status == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(5),
            "gateway B still accepted the revoked token 5 s after the revocation");
        Output.WriteLine($"gateway B refused the revoked token {sinceRevoked.Elapsed.TotalSeconds:F2}s after the revocation on gateway A");

        // The other device of the account is untouched on both gateways.
        await b.SyncOneAsync(keeper, "notes", null);
        await a.SyncOneAsync(keeper, "notes", null);
    }
}
