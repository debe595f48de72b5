namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>The server's answer to one mutation: <c>applied</c>, <c>conflict</c> or <c>duplicate</c>.</summary>
public sealed record MutationResult
{
    public long Id { get; init; }
    public string Status { get; init; } = "";
    public long? Version { get; init; }
}
