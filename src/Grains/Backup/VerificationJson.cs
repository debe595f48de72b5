using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Backup;

[JsonSerializable(typeof(VerificationRecord))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class VerificationJson : JsonSerializerContext;
