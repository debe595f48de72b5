namespace DeviceSync.Contracts.Sync;

/// <summary>
/// Why a collection's mutations were not applied: the request would delete a large share of the collection, or it
/// deletes right after the server told this device to resync. Nothing of the collection's mutations was applied;
/// resending them with <c>confirmMassDelete: true</c> applies them (docs/protocol.md, "Mass-delete guard").
/// </summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.MassDeleteRefusal")]
public sealed record MassDeleteRefusal
{
    /// <summary><c>mass-delete</c> or <c>delete-after-resync</c>.</summary>
    [Id(0)] public string Reason { get; init; } = "";

    /// <summary>Live items the request would delete.</summary>
    [Id(1)] public int Deletes { get; init; }

    /// <summary>Live items in the collection before the request.</summary>
    [Id(2)] public int LiveItems { get; init; }
}

/// <summary>The values of <see cref="MassDeleteRefusal.Reason"/>.</summary>
public static class MassDeleteReasons
{
    public const string MassDelete = "mass-delete";
    public const string AfterResync = "delete-after-resync";
}
