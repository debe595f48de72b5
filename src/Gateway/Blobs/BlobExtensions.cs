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
        builder.Services.AddOptions<BlobBackupOptions>()
            .BindConfiguration(BlobBackupOptions.SectionName)
            .Validate(o => !o.Enabled || (o.TablePrefix.Length is > 0 and <= 50 && char.IsAsciiLetter(o.TablePrefix[0]) && o.TablePrefix.All(char.IsAsciiLetterOrDigit)),
                "Backup:TablePrefix must be 1-50 ASCII letters or digits, starting with a letter.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ReplicatedBlobStore>();
        builder.Services.AddSingleton<BlobBackupCopier>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BlobBackupCopier>());
        builder.Services.AddSingleton<BlobIndex>();
        builder.Services.AddOptions<BlobSweepOptions>()
            .BindConfiguration(BlobSweepOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<BlobSweeper>();
        return builder;
    }
}
