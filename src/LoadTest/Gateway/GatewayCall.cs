namespace DeviceSync.LoadTest.Gateway;

/// <summary>
/// The outcome of one HTTP call: the status (0 when no response arrived), the time from sending to the
/// last byte of the body, the parsed body of a <c>200</c>, and an error label for anything else.
/// </summary>
public sealed record GatewayCall<T>(int Status, TimeSpan Elapsed, T? Body, string? Error)
    where T : class
{
    public bool Succeeded => Status == 200 && Body is not null;

    /// <summary>How errors are counted in reports: the status code, or the kind of transport failure.</summary>
    public string ErrorKey => Status != 0 ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : Error ?? "unknown";

    public bool IsServerFailure => Status >= 500 || Status == 0;

    /// <summary>The <c>Retry-After</c> of an error response, when it had one.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Worth resending unchanged: no answer, a 5xx, or 429 (sync is idempotent by mutation id).</summary>
    public bool IsRetryable => Status == 0 || Status == 429 || Status >= 500;
}
