using Microsoft.Extensions.Options;

namespace DeviceSync.Gateway.Blobs;

public static class BlobExtensions
{
    public static WebApplicationBuilder AddBlobs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BlobOptions>()
            .BindConfiguration(BlobOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<BlobStorageOptions>()
            .BindConfiguration(BlobStorageOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BlobStorageOptions>, BlobStorageOptionsValidator>();
        builder.Services.AddSingleton<ReplicatedBlobStore>();
        builder.Services.AddSingleton<BlobIndex>();
        return builder;
    }
}
