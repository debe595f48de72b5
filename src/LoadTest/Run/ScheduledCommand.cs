using DeviceSync.LoadTest.Commands;

namespace DeviceSync.LoadTest.Run;

/// <summary>A shell command to run at <see cref="At"/> after the load started (<c>--at 30s "command"</c>).</summary>
public sealed record ScheduledCommand(TimeSpan At, string Command)
{
    /// <summary>
    /// Pairs up the values of every <c>--at</c>: <c>["30s", "kill …", "45s", "start …"]</c>. Throws
    /// <see cref="UsageException"/> for an odd count, a bad moment or an empty command.
    /// </summary>
    public static IReadOnlyList<ScheduledCommand> ParsePairs(IReadOnlyList<string> values)
    {
        if (values.Count % 2 != 0)
        {
            throw new UsageException("--at takes two values: a moment and a command, e.g. --at 30s \"kill -STOP 1234\"");
        }

        var commands = new List<ScheduledCommand>();
        for (var i = 0; i < values.Count; i += 2)
        {
            var at = DurationParser.Parse("--at", values[i], allowZero: true);
            var command = values[i + 1];
            if (string.IsNullOrWhiteSpace(command))
            {
                throw new UsageException($"--at {values[i]}: the command is empty");
            }

            commands.Add(new ScheduledCommand(at, command));
        }

        return [.. commands.OrderBy(c => c.At)];
    }
}
