namespace DeviceSync.Gateway.Problems;

/// <summary>A protocol error: a stable code and a detail for people. Its status follows from the code unless given.</summary>
public sealed record Problem(string Code, string Detail, int? StatusCode = null)
{
    public int Status => StatusCode ?? ProblemCodes.StatusOf(Code);

    public static Problem Invalid(string detail) => new(ProblemCodes.InvalidRequest, detail);

    public static Problem TooLarge(string detail) => new(ProblemCodes.PayloadTooLarge, detail);
}
