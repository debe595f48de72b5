namespace DeviceSync.Gateway.Problems;

/// <summary>The problems the gateway answers with in more than one place.</summary>
public static class ProblemResults
{
    public static ProblemResult Unauthorized(string detail = "Missing, malformed or revoked credentials.") =>
        new(new Problem(ProblemCodes.Unauthorized, detail)) { Headers = [new("WWW-Authenticate", "Bearer")] };

    /// <summary>For the one route that takes HTTP Basic (registering a device with the account password).</summary>
    public static ProblemResult PasswordUnauthorized(string detail = "Unknown account or wrong password.") =>
        new(new Problem(ProblemCodes.Unauthorized, detail)) { Headers = [new("WWW-Authenticate", "Basic realm=\"devicesync\", charset=\"UTF-8\"")] };

    public static ProblemResult Unavailable(string detail = "The cluster cannot serve right now; retrying is safe.", string retryAfterSeconds = "1") =>
        new(new Problem(ProblemCodes.Unavailable, detail)) { Headers = [new("Retry-After", retryAfterSeconds)] };

    public static ProblemResult NotFound(string detail = "No such resource.") => ProblemResult.Of(ProblemCodes.NotFound, detail);

    public static ProblemResult Forbidden(string detail) => ProblemResult.Of(ProblemCodes.Forbidden, detail);

    public static ProblemResult Invalid(string detail) => ProblemResult.Of(ProblemCodes.InvalidRequest, detail);
}
