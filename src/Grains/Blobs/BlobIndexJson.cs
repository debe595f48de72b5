using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Blobs;

/// <summary>The persisted JSON format of blob index changes and snapshots (source-generated, camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BlobIndexChange))]
[JsonSerializable(typeof(BlobIndexSnapshot))]
internal sealed partial class BlobIndexJson : JsonSerializerContext;
