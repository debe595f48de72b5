namespace DeviceSync.Contracts.Accounts;

/// <summary>A newly registered device and its bearer token. The token is shown once; the server keeps only its hash.</summary>
[GenerateSerializer, Immutable, Alias("DeviceSync.DeviceCredential")]
public sealed record DeviceCredential
{
    [Id(0)] public string DeviceId { get; init; } = "";

    [Id(1)] public string Token { get; init; } = "";
}
