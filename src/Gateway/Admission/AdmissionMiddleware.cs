using System.Globalization;
using DeviceSync.Gateway.Problems;
using Microsoft.AspNetCore.Connections.Features;

namespace DeviceSync.Gateway.Admission;

/// <summary>
/// Puts device routes (everything under <c>/v1/</c> except <c>/v1/admin/</c>) behind <see cref="AdmissionControl"/>,
/// before authentication and before the body is read, so a shed request costs the gateway almost nothing. Health,
/// readiness, metrics and admin routes are never shed: operators need them most when the gateway is busiest.
/// </summary>
public sealed class AdmissionMiddleware(RequestDelegate next, AdmissionControl admission)
{
    /// <summary>
    /// A connection item set by the events connection handler when its upgrade waited in the admission queue and was
    /// shed (counted there): the route answers the 503 at once, without queueing and counting the same request twice.
    /// </summary>
    public static readonly object ShedByConnectionHandler = new();

    public async Task InvokeAsync(HttpContext context)
    {
        if (!admission.Enabled || !IsDeviceRoute(context.Request.Path))
        {
            await next(context);
            return;
        }

        var isEvents = context.Request.Path.StartsWithSegments("/v1/events", StringComparison.OrdinalIgnoreCase);
        var lease = isEvents && context.Features.Get<IConnectionItemsFeature>()?.Items.Remove(ShedByConnectionHandler) == true
            ? null
            : await admission.EnterAsync(context.RequestAborted);
        if (lease is null)
        {
            await ProblemResults.Unavailable(
                    "The gateway is at capacity; retry after the Retry-After delay (resending is safe).",
                    admission.RetryAfterSeconds().ToString(CultureInfo.InvariantCulture))
                .ExecuteAsync(context);
            return;
        }

        if (!isEvents)
        {
            using (lease)
            {
                await next(context);
            }

            return;
        }

        // An event socket lives for hours: it holds a slot only while it authenticates and subscribes, then gives it back
        // through this feature. Every other request holds its slot until it is done (without the extra object).
        var slot = new AdmissionSlot(lease);
        context.Features.Set(slot);
        try
        {
            await next(context);
        }
        finally
        {
            slot.Release();
        }
    }

    public static bool IsDeviceRoute(PathString path) =>
        path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)
        && !path.StartsWithSegments("/v1/admin", StringComparison.OrdinalIgnoreCase);
}
