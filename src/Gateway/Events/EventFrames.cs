using System.Buffers;
using System.Text.Json;

namespace DeviceSync.Gateway.Events;

/// <summary>The text frames of PROTOCOL.md "Events", written once per event and shared by every socket it goes to.</summary>
public static class EventFrames
{
    /// <summary>Close code for a revoked device (PROTOCOL.md).</summary>
    public const int RevokedCloseCode = 4001;

    public static ReadOnlyMemory<byte> Changed(string collection, long version)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + collection.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "changed");
            writer.WriteString("collection", collection);
            writer.WriteNumber("version", version);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
