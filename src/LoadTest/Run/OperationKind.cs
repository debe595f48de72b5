namespace DeviceSync.LoadTest.Run;

/// <summary>What one simulated device operation does (one sync, plus its pages and retries).</summary>
public enum OperationKind
{
    None = 0,

    /// <summary>Put a new item (<c>baseVersion: 0</c>).</summary>
    Put = 1,

    /// <summary>Edit an item the device holds (<c>baseVersion</c> = the version it knows).</summary>
    Edit = 2,

    /// <summary>Delete an item the device holds (<c>baseVersion</c> = the version it knows).</summary>
    Delete = 3,

    /// <summary>Sync with the current cursor and no mutations.</summary>
    NoChange = 4,

    /// <summary>Edit one of the account's shared items, which every device of the account edits too.</summary>
    Conflict = 5,
}
