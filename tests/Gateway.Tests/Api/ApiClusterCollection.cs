namespace DeviceSync.Gateway.Tests.Api;

[CollectionDefinition(Name)]
public sealed class ApiClusterCollection : ICollectionFixture<ApiCluster>
{
    public const string Name = "api-cluster";
}
