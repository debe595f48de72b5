namespace DeviceSync.Gateway.Tests.Pipeline;

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<PipelineHost>
{
    public const string Name = "gateway-pipeline";
}
