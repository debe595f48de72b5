using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeviceSync.Grains.Accounts;

/// <summary>The persisted JSON format of account changes and snapshots (source-generated, camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AccountChange))]
[JsonSerializable(typeof(AccountSnapshot))]
internal sealed partial class AccountJson : JsonSerializerContext;
