using System.Globalization;
using DeviceSync.LoadTest.Commands;

namespace DeviceSync.LoadTest.Run;

/// <summary>
/// The weights of each <see cref="OperationKind"/>, as <c>--mix put=50,edit=25,delete=5,nochange=15,conflict=5</c>
/// gives them. Weights are relative (they need not add up to 100); kinds left out weigh 0.
/// </summary>
public sealed class OperationMix
{
    public const string Default = "put=50,edit=25,delete=5,nochange=15,conflict=5";

    private static readonly Dictionary<string, OperationKind> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["put"] = OperationKind.Put,
        ["edit"] = OperationKind.Edit,
        ["delete"] = OperationKind.Delete,
        ["nochange"] = OperationKind.NoChange,
        ["conflict"] = OperationKind.Conflict,
    };

    private readonly (OperationKind Kind, int Cumulative)[] _table;

    private OperationMix(IReadOnlyDictionary<OperationKind, int> weights)
    {
        Weights = weights;
        var sum = 0;
        _table = [.. weights.Where(w => w.Value > 0).OrderBy(w => w.Key).Select(w => (w.Key, sum += w.Value))];
        Total = sum;
    }

    public IReadOnlyDictionary<OperationKind, int> Weights { get; }

    public int Total { get; }

    /// <summary>The share of <paramref name="kind"/>, from 0 to 1.</summary>
    public double Share(OperationKind kind) => Total == 0 ? 0 : (double)Weights.GetValueOrDefault(kind) / Total;

    public OperationKind Pick(Random random)
    {
        var roll = random.Next(Total);
        foreach (var (kind, cumulative) in _table)
        {
            if (roll < cumulative)
            {
                return kind;
            }
        }

        return _table[^1].Kind;
    }

    /// <summary>Parses <c>name=weight,...</c>; throws <see cref="UsageException"/> with the reason when it cannot.</summary>
    public static OperationMix Parse(string text)
    {
        var weights = new Dictionary<OperationKind, int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--mix: '{part}' is not name=weight (names: {string.Join(", ", Names.Keys)})");
            }

            var name = part[..eq].Trim();
            if (!Names.TryGetValue(name, out var kind))
            {
                throw new UsageException($"--mix: unknown operation '{name}' (names: {string.Join(", ", Names.Keys)})");
            }

            if (!int.TryParse(part[(eq + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > 1_000_000)
            {
                throw new UsageException($"--mix: the weight of '{name}' must be a whole number from 0 to 1000000");
            }

            if (!weights.TryAdd(kind, weight))
            {
                throw new UsageException($"--mix: '{name}' is given twice");
            }
        }

        if (weights.Values.Sum() == 0)
        {
            throw new UsageException("--mix: at least one weight must be above 0");
        }

        return new OperationMix(weights);
    }

    public override string ToString() =>
        string.Join(',', Weights.OrderBy(w => w.Key).Select(w => $"{w.Key.ToString().ToLowerInvariant()}={w.Value.ToString(CultureInfo.InvariantCulture)}"));
}
