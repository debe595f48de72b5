namespace DeviceSync.Client;

/// <summary>The operation of a mutation.</summary>
public enum MutationOp
{
    None = 0,
    Put = 1,
    Delete = 2,
    Restore = 3,
}
