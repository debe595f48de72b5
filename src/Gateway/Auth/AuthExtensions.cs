namespace DeviceSync.Gateway.Auth;

public static class AuthExtensions
{
    public static WebApplicationBuilder AddDeviceAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<TokenCache>();
        builder.Services.AddSingleton<DeviceAuthenticator>();
        builder.Services.AddSingleton<DeviceAuthFilter>();
        return builder;
    }

    /// <summary>Routes of this builder require a device's bearer token.</summary>
    public static TBuilder RequireDevice<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, DeviceAuthFilter>();

    /// <summary>The device a <see cref="RequireDevice{TBuilder}"/> route was authenticated as.</summary>
    public static DeviceIdentity Device(this HttpContext context) =>
        context.Items[typeof(DeviceIdentity)] as DeviceIdentity
        ?? throw new InvalidOperationException("The route does not require a device.");
}
