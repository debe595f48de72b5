namespace DeviceSync.Gateway.Problems;

public static class ProblemExtensions
{
    /// <summary>Every error is problem+json: exceptions, and empty 4xx/5xx answers such as unknown routes (404) and wrong methods (405).</summary>
    public static WebApplication UseProblems(this WebApplication app)
    {
        app.UseMiddleware<ProblemExceptionMiddleware>();
        app.UseStatusCodePages(async context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var code = ProblemCodes.CodeOf(status);
            var detail = status switch
            {
                StatusCodes.Status404NotFound => "No such route or resource.",
                StatusCodes.Status405MethodNotAllowed => "The route does not answer this method.",
                _ => ProblemCodes.TitleOf(code),
            };
            await ProblemResult.WriteAsync(context.HttpContext, new Problem(code, detail, status));
        });
        return app;
    }
}
