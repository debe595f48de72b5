namespace DeviceSync.Grains.Storage;

/// <summary>One stream as a sweep found it: the highest sequence (journal row or snapshot) any scanned replica holds.</summary>
public sealed record LiveStreamTail(string StreamKey, long LastSequence);
