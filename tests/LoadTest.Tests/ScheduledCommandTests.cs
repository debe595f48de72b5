using DeviceSync.LoadTest.Commands;
using DeviceSync.LoadTest.Run;

namespace DeviceSync.LoadTest.Tests;

public sealed class ScheduledCommandTests
{
    [Fact]
    public void Pairs_moments_with_commands_in_time_order()
    {
        var commands = ScheduledCommand.ParsePairs(["30s", "kill -TERM 1234", "500ms", "echo early", "2m", "true", "0", "date"]);
        Assert.Equal(
            [
                new ScheduledCommand(TimeSpan.Zero, "date"),
                new ScheduledCommand(TimeSpan.FromMilliseconds(500), "echo early"),
                new ScheduledCommand(TimeSpan.FromSeconds(30), "kill -TERM 1234"),
                new ScheduledCommand(TimeSpan.FromMinutes(2), "true"),
            ],
            commands);
    }

    [Theory]
    [InlineData(new[] { "30s" }, "two values")]
    [InlineData(new[] { "30s", "a", "40s" }, "two values")]
    [InlineData(new[] { "soon", "echo" }, "not a duration")]
    [InlineData(new[] { "-5s", "echo" }, "not a duration")]
    [InlineData(new[] { "5s", "  " }, "command is empty")]
    public void Refuses_what_it_cannot_read(string[] values, string reason)
    {
        var e = Assert.Throws<UsageException>(() => ScheduledCommand.ParsePairs(values));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_line_takes_repeated_at_options()
    {
        string[] args = ["run", "--accounts", "3", "--at", "30s", "kill a silo", "--duration", "60s", "--at", "10s", "echo 'x y'"];
        var parse = HarnessCommandLine.Build(args).Parse(args);
        Assert.Empty(parse.Errors);
        var at = parse.GetValue<IReadOnlyList<ScheduledCommand>>("--at");
        Assert.Equal([new ScheduledCommand(TimeSpan.FromSeconds(10), "echo 'x y'"), new ScheduledCommand(TimeSpan.FromSeconds(30), "kill a silo")], at);
        Assert.Equal(TimeSpan.FromSeconds(60), parse.GetValue<TimeSpan>("--duration"));
    }

    [Theory]
    [InlineData("--at", "30s")]
    [InlineData("--at", "later", "echo")]
    [InlineData("--mix", "put=1,jump=2")]
    [InlineData("--concurrency", "4", "--rate", "100")]
    [InlineData("--duration", "fast")]
    [InlineData("--accounts", "0")]
    public void The_command_line_reports_bad_run_options(params string[] options)
    {
        string[] args = ["run", .. options];
        Assert.NotEmpty(HarnessCommandLine.Build(args).Parse(args).Errors);
    }

    [Fact]
    public void Bench_verbs_still_parse()
    {
        string[] args = ["bench", "writes", "--gateway", "http://127.0.0.1:5080", "--devices", "64", "--concurrency", "16", "--duration", "30s"];
        Assert.Empty(HarnessCommandLine.Build(args).Parse(args).Errors);
    }
}
