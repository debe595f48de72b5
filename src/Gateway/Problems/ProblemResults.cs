namespace DeviceSync.Gateway.Problems;

/// <summary>The problems the gateway answers with in more than one place.</summary>
public static class ProblemResults
{
    public static ProblemResult Unauthorized(string detail = "Missing, malformed or revoked credentials.") =>
        new(new Problem(ProblemCodes.Unauthorized, detail)) { Headers = [new("WWW-Authenticate", "Bearer")] };

    public static ProblemResult Unavailable(string detail = "The cluster cannot serve right now; retrying is safe.") =>
        new(new Problem(ProblemCodes.Unavailable, detail)) { Headers = [new("Retry-After", "1")] };

    public static ProblemResult NotFound(string detail = "No such resource.") => ProblemResult.Of(ProblemCodes.NotFound, detail);

    public static ProblemResult Forbidden(string detail) => ProblemResult.Of(ProblemCodes.Forbidden, detail);

    public static ProblemResult Invalid(string detail) => ProblemResult.Of(ProblemCodes.InvalidRequest, detail);
}
