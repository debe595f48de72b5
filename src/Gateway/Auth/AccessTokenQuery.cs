namespace DeviceSync.Gateway.Auth;

/// <summary>
/// Endpoint metadata: the route also takes the bearer token as <c>?access_token=</c> (browsers' WebSocket API cannot
/// set headers). Only <c>/v1/events</c> has it: a token in a URL ends up in more places than a header does.
/// </summary>
public sealed class AccessTokenQuery
{
    public static readonly AccessTokenQuery Allowed = new();

    private AccessTokenQuery()
    {
    }
}
