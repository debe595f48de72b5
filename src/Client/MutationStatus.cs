namespace DeviceSync.Client;

/// <summary>What the server did with a mutation.</summary>
public enum MutationStatus
{
    None = 0,
    Applied = 1,
    Duplicate = 2,
    Conflict = 3,
}
