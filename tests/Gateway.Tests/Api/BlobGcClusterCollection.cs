namespace DeviceSync.Gateway.Tests.Api;

[CollectionDefinition(Name)]
public sealed class BlobGcClusterCollection : ICollectionFixture<BlobGcCluster>
{
    public const string Name = "blob-gc-cluster";
}
