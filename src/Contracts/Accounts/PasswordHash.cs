namespace DeviceSync.Contracts.Accounts;

/// <summary>A salted, slow password hash (PBKDF2). The password itself never reaches a grain.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.PasswordHash")]
public sealed record PasswordHash
{
    /// <summary>For example <c>PBKDF2-SHA256</c>.</summary>
    [Id(0)] public string Algorithm { get; init; } = "";

    [Id(1)] public int Iterations { get; init; }

    [Id(2)] public byte[] Salt { get; init; } = [];

    [Id(3)] public byte[] Hash { get; init; } = [];
}
