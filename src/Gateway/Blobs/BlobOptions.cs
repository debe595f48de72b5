using System.ComponentModel.DataAnnotations;

namespace DeviceSync.Gateway.Blobs;

/// <summary>Blob uploads and downloads (section <c>Blobs</c>).</summary>
public sealed class BlobOptions
{
    public const string SectionName = "Blobs";

    /// <summary>PROTOCOL.md's limit: a larger body is refused with 413 before (Content-Length) or as soon as (chunked) it passes this.</summary>
    public const long ProtocolMaxBytes = 64L * 1024 * 1024;

    [Range(1, ProtocolMaxBytes)]
    public long MaxBytes { get; set; } = ProtocolMaxBytes;

    /// <summary>
    /// Bytes read from the request and staged on every replica as one block. It is all an upload holds in memory (one
    /// pooled buffer), so a gateway's blob memory is at most this times the uploads in flight (admission control bounds those).
    /// </summary>
    [Range(64 * 1024, 16 * 1024 * 1024)]
    public int BlockBytes { get; set; } = 1024 * 1024;

    /// <summary>How long one request to one replica (staging a block, a commit, a read) may take before that replica counts as failed for this upload.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
