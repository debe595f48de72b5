using Orleans.CodeGeneration;

namespace DeviceSync.Grains.Blobs;

/// <summary>
/// A grain holding items that may refer to blobs (collections). Silo-internal, like IJournalOwnerGrain: the blob index
/// asks each of its account's collections which blobs their live items refer to (<see cref="BlobReferences"/>).
/// </summary>
[Alias("DeviceSync.IBlobReferenceSource"), Version(1)]
public interface IBlobReferenceSource : IGrainWithStringKey
{
    /// <summary>The hashes (lower-case hex, no prefix) that live items and the conflict archive refer to; tombstones refer to nothing.</summary>
    [Alias("ListBlobReferences")]
    Task<IReadOnlyList<string>> ListBlobReferencesAsync();
}
