using DeviceSync.Contracts.Operations;
using DeviceSync.Gateway.Cluster;

namespace DeviceSync.Gateway.Problems;

/// <summary>
/// The last line: cluster and storage unavailability become 503 with <c>Retry-After</c>; Kestrel's bad-request
/// errors become 400/413; anything unexpected is logged (type and route, never data) and becomes a 500. All as problem+json.
/// </summary>
public sealed class ProblemExceptionMiddleware(RequestDelegate next, ILogger<ProblemExceptionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception exception)
        {
            var result = Classify(exception);
            if (result.Problem.Status >= 500 && result.Problem.Code == ProblemCodes.Internal)
            {
                Log.UnexpectedFailure(logger, exception, context.Request.Method, context.Request.Path.Value ?? "");
            }
            else
            {
                var kind = exception.GetType().Name;
                Log.Answered(logger, result.Problem.Status, kind);
            }

            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }

            context.Response.Clear();
            await result.ExecuteAsync(context);
        }
    }

    public static ProblemResult Classify(Exception exception) => exception switch
    {
        ClusterUnavailableException => ProblemResults.Unavailable(),
        StorageUnavailableException => ProblemResults.Unavailable("Storage could not make the change durable; nothing was applied that is not safe to retry."),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            ProblemResult.Of(ProblemCodes.PayloadTooLarge, "The request body is too large."),
        BadHttpRequestException => ProblemResults.Invalid("The request could not be read."),
        _ when GrainCalls.IsTransient(exception) => ProblemResults.Unavailable(),
        _ => ProblemResult.Of(ProblemCodes.Internal, "The gateway failed unexpectedly."),
    };
}
