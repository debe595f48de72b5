namespace DeviceSync.Grains.Journaling;

/// <summary>The names of journal streams. Changing them orphans stored data: never do.</summary>
public static class JournalStreams
{
    public static string ForAccount(string accountId) => "account/" + accountId;

    /// <summary>An account's blob index (<see cref="Blobs.BlobIndexGrain"/>); its own stream, apart from the account's.</summary>
    public static string ForBlobIndex(string accountId) => "blobs/" + accountId;

    public static string ForCollection(string accountId, string collection) => "collection/" + accountId + "/" + collection;
}
