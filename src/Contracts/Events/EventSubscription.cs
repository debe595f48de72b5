namespace DeviceSync.Contracts.Events;

/// <summary>The answer to a subscription: which activation holds it, and what a gateway that lost its subscription may have missed.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.EventSubscription")]
public sealed record EventSubscription
{
    /// <summary>Random per activation of the events grain: a different value than last time means the subscription was lost.</summary>
    [Id(0)] public Guid Incarnation { get; init; }

    /// <summary>Latest version per collection that this activation has seen; only when the caller named an earlier incarnation.</summary>
    [Id(1)] public IReadOnlyList<CollectionVersion> Changed { get; init; } = [];

    /// <summary>Devices revoked since this activation started; only when the caller named an earlier incarnation.</summary>
    [Id(2)] public IReadOnlyList<string> RevokedDevices { get; init; } = [];
}
