namespace DeviceSync.Gateway.Admission;

public static class AdmissionExtensions
{
    public static WebApplicationBuilder AddAdmission(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdmissionOptions>()
            .BindConfiguration(AdmissionOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.RetryAfterSeconds <= o.MaxRetryAfterSeconds, "Admission:RetryAfterSeconds must not be above Admission:MaxRetryAfterSeconds.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AdmissionControl>();
        return builder;
    }

    /// <summary>After the problem and request-metric middleware, so shed requests are problem+json and counted as 503s.</summary>
    public static WebApplication UseAdmission(this WebApplication app)
    {
        app.UseMiddleware<AdmissionMiddleware>();
        return app;
    }
}
