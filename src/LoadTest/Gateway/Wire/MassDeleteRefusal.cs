namespace DeviceSync.LoadTest.Gateway.Wire;

/// <summary>A collection's <c>refused</c>: the mass-delete guard held its mutations (<c>mass-delete</c> or <c>delete-after-resync</c>).</summary>
public sealed record MassDeleteRefusal
{
    public string Reason { get; init; } = "";
    public int Deletes { get; init; }
    public int LiveItems { get; init; }
}
