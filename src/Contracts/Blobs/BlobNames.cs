namespace DeviceSync.Contracts.Blobs;

/// <summary>
/// Where blob bytes live in a replica's container <c>{prefix}-blobs</c>, shared by the gateway (which writes and reads them)
/// and the silos (which collect them). Bytes are kept per account (ADR 0009): deleting one account's copy can then never
/// take bytes another account's index holds, so collection needs no cross-account registry. Blobs stored by the build
/// before garbage collection are shared, at <see cref="Shared"/>; they are read as a fallback and never deleted.
/// </summary>
public static class BlobNames
{
    public static string ForAccount(string accountId, string sha256) => $"accounts/{accountId}/sha256/{sha256}";

    /// <summary>The content-addressed name of the first blob build (ADR 0007), and of every copy in the backup container.</summary>
    public static string Shared(string sha256) => "sha256/" + sha256;
}
