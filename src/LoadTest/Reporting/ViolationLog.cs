using System.Collections.Concurrent;

namespace DeviceSync.LoadTest.Reporting;

/// <summary>
/// Protocol violations the harness noticed (an acknowledged write missing on read-back, an unexpected
/// mutation result, a malformed 200, ...). Counted by kind; the first few examples of each are kept.
/// </summary>
public sealed class ViolationLog
{
    private const int ExamplesPerKind = 5;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _examples = new();

    public void Add(string kind, string detail)
    {
        var count = _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (count <= ExamplesPerKind)
        {
            _examples.Enqueue($"{kind}: {detail}");
        }
    }

    public bool Any => !_counts.IsEmpty;

    public IReadOnlyDictionary<string, int> Counts => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);

    public IReadOnlyList<string> Examples => [.. _examples];
}
