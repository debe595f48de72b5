using Azure;

namespace DeviceSync.Grains.Storage;

/// <summary>One replica's answer to one write; <see cref="ETag"/> is that of the row we own (for a fenced clean-up).</summary>
internal sealed record ReplicaWriteResult(int Replica, ReplicaOutcome Outcome, ETag ETag = default, Exception? Error = null);
