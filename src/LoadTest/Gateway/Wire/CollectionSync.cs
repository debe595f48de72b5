using System.Text.Json.Serialization;

namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>One collection of a sync request.</summary>
public sealed record CollectionSync
{
    public required string Name { get; init; }

    /// <summary>Always written, even when null (null = pull from the beginning).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Cursor { get; init; }

    public int? Limit { get; init; }

    public IReadOnlyList<Mutation>? Mutations { get; init; }

    /// <summary>True to apply deletes the mass-delete guard held (docs/protocol.md, "The mass-delete guard"); null otherwise.</summary>
    public bool? ConfirmMassDelete { get; init; }
}
