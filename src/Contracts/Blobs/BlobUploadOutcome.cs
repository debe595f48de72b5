namespace DeviceSync.Contracts.Blobs;

/// <summary>What recording an upload in the account's blob index did.</summary>
public enum BlobUploadOutcome
{
    None = 0,

    /// <summary>New to the account (201).</summary>
    Created = 1,

    /// <summary>The account already had it (200).</summary>
    Existing = 2,

    /// <summary>
    /// The blob was collected after the upload began: its commit may have found bytes the collection then deleted, so it is
    /// not recorded. Nothing was acknowledged; uploading again stores the bytes anew (503, retry).
    /// </summary>
    CollectedWhileUploading = 3,
}
