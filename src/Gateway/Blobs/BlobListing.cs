namespace DeviceSync.Gateway.Blobs;

/// <summary>One listing of every replica's blob container: every blob name found, and those some replica lacks.</summary>
internal sealed record BlobListing(IReadOnlyList<string> All, IReadOnlyList<(string Name, int[] MissingOn, int[] HeldOn)> Missing);
