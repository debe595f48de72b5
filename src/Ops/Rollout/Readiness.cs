namespace DeviceSync.Ops.Rollout;

/// <summary>How the rollout waits: on a silo's or gateway's <c>/readyz</c>, and on the cluster view.</summary>
internal static class Readiness
{
    /// <summary>True once <c>/readyz</c> answers 2xx; unreachable or slow counts as not yet.</summary>
    public static async Task<bool> IsReadyAsync(HttpClient http, Uri address, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(address, "/readyz"), ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 500 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // The gateway or a silo is briefly unreachable: keep waiting until the deadline.
            }

            if (time.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct).ConfigureAwait(false);
        }
    }
}
