using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeviceSync.Grains.Accounts;

/// <summary>Says at start what the token keys allow: a warning without a key (no re-admission possible) and while re-admission is on.</summary>
internal sealed class DeviceTokenKeysReport(DeviceTokenKeys keys, Microsoft.Extensions.Options.IOptions<DeviceTokenOptions> options, ILogger<DeviceTokenKeysReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!keys.CanTag)
        {
            Log.NoTokenKey(logger);
        }
        else if (keys.ReadmissionEnabled)
        {
            Log.ReadmissionEnabled(logger, options.Value.TokenKeys.Count);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
