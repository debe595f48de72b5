namespace DeviceSync.Gateway.Problems;

/// <summary>The stable, machine-readable error codes of PROTOCOL.md.</summary>
public static class ProblemCodes
{
    public const string InvalidRequest = "invalid-request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not-found";
    public const string MethodNotAllowed = "method-not-allowed";
    public const string AccountExists = "account-exists";
    public const string Conflict = "conflict";
    public const string PayloadTooLarge = "payload-too-large";
    public const string RateLimited = "rate-limited";
    public const string Unavailable = "unavailable";
    public const string Internal = "internal";

    public const string TypeBase = "https://devicesync.dev/problems/";

    public static int StatusOf(string code) => code switch
    {
        InvalidRequest => StatusCodes.Status400BadRequest,
        Unauthorized => StatusCodes.Status401Unauthorized,
        Forbidden => StatusCodes.Status403Forbidden,
        NotFound => StatusCodes.Status404NotFound,
        MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        AccountExists => StatusCodes.Status409Conflict,
        Conflict => StatusCodes.Status409Conflict,
        PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        RateLimited => StatusCodes.Status429TooManyRequests,
        Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static string TitleOf(string code) => code switch
    {
        InvalidRequest => "Invalid request",
        Unauthorized => "Unauthorized",
        Forbidden => "Forbidden",
        NotFound => "Not found",
        MethodNotAllowed => "Method not allowed",
        AccountExists => "Account exists",
        Conflict => "Conflict",
        PayloadTooLarge => "Payload too large",
        RateLimited => "Rate limited",
        Unavailable => "Service unavailable",
        _ => "Internal error",
    };

    public static string CodeOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest => InvalidRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status409Conflict => AccountExists,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status429TooManyRequests => RateLimited,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        < 500 => InvalidRequest,
        _ => Internal,
    };
}
