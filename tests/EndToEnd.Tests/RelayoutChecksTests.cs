using System.Text.Json;
using DeviceSync.Ops;
using DeviceSync.Ops.Storage;

namespace DeviceSync.EndToEnd.Tests;

/// <summary>
/// <c>ops relayout</c> empties a replica only when that is safe and useful (src/Ops/README.md, "relayout"): every other
/// replica healthy, the sweeper on, one build on every active silo (a silo from before layout records would rebuild the
/// replica in its own layout), the replica's layout recorded, and a layout other than the one it is in. The checks run
/// on the gateway's admin views; the run against a cluster is in <c>FaultMatrixTests</c>.
/// </summary>
public sealed class RelayoutChecksTests
{
    private const string Build = "1.0.0+aaaa";

    [Fact]
    public void A_healthy_cluster_on_one_build_may_move_a_replica_to_another_layout() =>
        Assert.Null(RelayoutCommand.Refusal(Replicas(), Cluster(Build, Build), 2, "layout 1", "layout 2 (2 shards)"));

    [Fact]
    public void Another_replica_not_healthy_refuses()
    {
        var reason = RelayoutCommand.Refusal(Replicas(unhealed: 1), Cluster(Build), 2, "layout 1", "layout 2 (2 shards)");
        Assert.Contains("replica 1 is unhealed", reason, StringComparison.Ordinal);

        // The replica being moved may itself be unhealed (it is being refilled anyway).
        Assert.Null(RelayoutCommand.Refusal(Replicas(unhealed: 2), Cluster(Build), 2, "layout 1", "layout 2 (2 shards)"));
    }

    [Fact]
    public void The_sweeper_off_refuses() =>
        Assert.Contains("sweeper is off", RelayoutCommand.Refusal(Replicas(sweep: false), Cluster(Build), 2, "layout 1", "layout 2 (2 shards)"), StringComparison.Ordinal);

    [Fact]
    public void Two_builds_among_the_active_silos_refuse_and_a_dead_silo_does_not_count()
    {
        var reason = RelayoutCommand.Refusal(Replicas(), Cluster(Build, "1.0.0+bbbb"), 2, "layout 1", "layout 2 (2 shards)");
        Assert.Contains("2 different builds", reason, StringComparison.Ordinal);

        using var withDead = JsonDocument.Parse(
            $$"""{"silos":[{"status":"Active","version":"{{Build}}"},{"status":"Dead","version":"1.0.0+old"}]}""");
        Assert.Null(RelayoutCommand.Refusal(Replicas(), withDead.RootElement, 2, "layout 1", "layout 2 (2 shards)"));
    }

    [Fact]
    public void A_replica_without_a_layout_record_refuses() =>
        Assert.Contains("records no layout", RelayoutCommand.Refusal(Replicas(), Cluster(Build), 2, recorded: null, "layout 2 (2 shards)"), StringComparison.Ordinal);

    [Fact]
    public void The_layout_the_replica_is_in_refuses() =>
        Assert.Contains("already", RelayoutCommand.Refusal(Replicas(), Cluster(Build), 2, "layout 2 (2 shards)", "layout 2 (2 shards)"), StringComparison.Ordinal);

    [Theory]
    [InlineData("relayout", "--replica", "2", "--shards", "2")]
    [InlineData("relayout", "--replica", "0", "--shards", "0", "--timeout", "0", "--settle", "00:00:30", "--force")]
    public void Parses(params string[] args) => Assert.Empty(OpsCommandLine.Build().Parse(args).Errors);

    [Theory]
    [InlineData("relayout", "--replica", "2")]
    [InlineData("relayout", "--shards", "2")]
    [InlineData("relayout", "--replica", "2", "--shards", "101")]
    [InlineData("relayout", "--replica", "2", "--shards", "-1")]
    public void Refuses_a_command_line_without_a_replica_or_a_valid_shard_count(params string[] args) =>
        Assert.NotEmpty(OpsCommandLine.Build().Parse(args).Errors);

    private static JsonElement Replicas(int? unhealed = null, bool sweep = true)
    {
        var replicas = string.Join(",", Enumerable.Range(0, 3).Select(i => $$"""{"replica":{{i}},"state":"{{(i == unhealed ? "unhealed" : "healthy")}}"}"""));
        return JsonDocument.Parse("{\"replicas\":[" + replicas + "],\"sweep\":{\"enabled\":" + (sweep ? "true" : "false") + "}}").RootElement.Clone();
    }

    private static JsonElement Cluster(params string[] builds)
    {
        var silos = string.Join(",", builds.Select(b => $$"""{"status":"Active","version":"{{b}}"}"""));
        return JsonDocument.Parse($$"""{"silos":[{{silos}}]}""").RootElement.Clone();
    }
}
