using DeviceSync.LoadTest.Gateway;
using DeviceSync.LoadTest.Gateway.Wire;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Tests;

/// <summary>
/// The checker must catch a lost write. After a short load, a device the harness does not know about (provisioned
/// for one account behind its back) deletes one item the simulated devices saw acknowledged, through the API, as a
/// buggy server losing it would look to them. The checker must report exactly that item, and the run must fail.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckerCatchesLostWriteTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task An_acknowledged_write_deleted_behind_the_harness_is_reported_and_fails_the_run()
    {
        var cluster = fixture.Cluster;
        var options = new RunOptions
        {
            Gateway = cluster.GatewayAddress,
            AdminKey = cluster.AdminKey,
            Accounts = 4,
            DevicesPerAccount = 2,
            Duration = TimeSpan.FromSeconds(4),
            Concurrency = 8,
            Mix = OperationMix.Parse("put=60,edit=30,nochange=10"),
            Plain = true,
            Seed = 42,
            RunId = "lost-" + Guid.NewGuid().ToString("N")[..6],
        };
        string? victimAccount = null, victimItem = null;
        var run = new LoadRun(options)
        {
            BeforeCheck = async (accounts, ct) =>
            {
                // An item whose latest acknowledged write is a put, in the first account that has one.
                var (ledger, itemId) = accounts
                    .SelectMany(a => a.Ledger.Acknowledged.Where(i => !i.Value.Deleted).Select(i => (a.Ledger, i.Key)))
                    .First();
                victimAccount = ledger.AccountId;
                victimItem = itemId;

                using var client = new GatewayClient(cluster.GatewayAddress, cluster.AdminKey, TimeSpan.FromSeconds(30), 4);
                var provisioned = await client.ProvisionAsync(new ProvisionRequest([new ProvisionAccount(ledger.AccountId, 1)]), ct);
                var intruder = Assert.Single(Assert.Single(provisioned.Body!.Accounts).Devices);
                var version = ledger.Acknowledged[itemId].Version;
                var delete = new SyncRequest([new CollectionSync
                {
                    Name = RunContext.Collection,
                    Cursor = null,
                    Limit = 1,
                    Mutations = [new Mutation { Id = 1, Op = "delete", ItemId = itemId, BaseVersion = version }],
                }]);
                var answer = await client.DeviceSyncAsync(intruder.Token, delete, ct);
                Assert.Equal("applied", Assert.Single(Assert.Single(answer.Body!.Collections).Results).Status);
                output.WriteLine($"deleted {ledger.AccountId}/{itemId} (acknowledged at version {version}) behind the harness's back");
            },
        };

        var report = await run.ExecuteAsync(CancellationToken.None);

        output.WriteLine(MarkdownReport.Render(report));
        Assert.True(report.AcknowledgedWrites > 0);
        var finding = Assert.Single(report.Checker.Findings);
        Assert.Equal(CheckerFindingKind.Lost, finding.Kind);
        Assert.Equal(victimAccount, finding.AccountId);
        Assert.Equal(victimItem, finding.ItemId);
        Assert.Contains("tombstone", finding.Actual, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.DataOrServerFailure, report.ExitCode);
        Assert.StartsWith("FAILED", report.Verdict, StringComparison.Ordinal);
    }
}
