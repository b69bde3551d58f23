using Microsoft.AspNetCore.Diagnostics;

namespace Bridge.Hosting;

/// <summary>
/// The last line: an exception that escaped a handler becomes a 500 problem that says nothing about the failure
/// (its text could hold anything the request did), while the log keeps the exception. Bad input never gets here:
/// every expected failure is a value with its own 4xx.
/// </summary>
public sealed class UnexpectedErrorHandler(ILogger<UnexpectedErrorHandler> log) : IExceptionHandler
{
    public const string LogMessage = "Unexpected error handling {Method} {Path}";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var http = httpContext;
        // The client went away: there is nobody to answer, and nothing went wrong on our side.
        if (exception is OperationCanceledException && http.RequestAborted.IsCancellationRequested) return true;

        if (exception is BadHttpRequestException bad)
        {
            // The server's verdict on the request's framing (headers, chunking, pace); its text names no content.
            await Problem(bad.StatusCode, "Bad request", bad.Message).ExecuteAsync(http);
            return true;
        }

        log.LogError(exception, LogMessage, http.Request.Method, http.Request.Path.Value);
        await Problem(StatusCodes.Status500InternalServerError, "Internal error",
            $"the bridge failed unexpectedly and did not take this request; retry later (trace {http.TraceIdentifier})").ExecuteAsync(http);
        return true;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
