using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Sync;

/// <summary>
/// Source-generated System.Text.Json metadata for the persisted sync formats: no reflection, and the JSON shape is
/// fixed by the attributes on the types rather than by serializer defaults that could drift.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(CollectionChange))]
[JsonSerializable(typeof(CollectionSnapshot))]
internal sealed partial class SyncJsonContext : JsonSerializerContext;
