namespace DeviceSync.Grains.Journaling;

/// <summary>The names of journal streams. Changing them orphans stored data: never do.</summary>
public static class JournalStreams
{
    public static string ForAccount(string accountId) => "account/" + accountId;

    public static string ForCollection(string accountId, string collection) => "collection/" + accountId + "/" + collection;
}
