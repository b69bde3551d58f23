using System.Text.Json;
using Bridge.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bridge.Tests.Hosting;

/// <summary>The catch-all: an escaped exception is a 500 problem that tells the client nothing about it.</summary>
public sealed class UnexpectedErrorHandlerTests
{
    [Fact]
    public async Task AnUnexpectedExceptionIsA500ProblemWithoutItsText()
    {
        var http = Context();

        var handled = await new UnexpectedErrorHandler(NullLogger<UnexpectedErrorHandler>.Instance)
            .TryHandleAsync(http, new InvalidOperationException("secret-laden failure text"), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(500, http.Response.StatusCode);
        Assert.Equal("application/problem+json", http.Response.ContentType);
        var body = Body(http);
        Assert.DoesNotContain("secret-laden", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.Contains("did not take this request; retry later", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheServersVerdictOnARequestKeepsItsStatus()
    {
        var http = Context();

        await new UnexpectedErrorHandler(NullLogger<UnexpectedErrorHandler>.Instance)
            .TryHandleAsync(http, new BadHttpRequestException("Request body too large.", 413), CancellationToken.None);

        Assert.Equal(413, http.Response.StatusCode);
        Assert.Contains("Request body too large.", Body(http), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientThatWentAwayIsNotAnError()
    {
        var http = Context();
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        http.RequestAborted = aborted.Token;

        var handled = await new UnexpectedErrorHandler(NullLogger<UnexpectedErrorHandler>.Instance)
            .TryHandleAsync(http, new OperationCanceledException(aborted.Token), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(string.Empty, Body(http));
    }

    private static DefaultHttpContext Context()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        return new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
    }

    private static string Body(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return new StreamReader(http.Response.Body).ReadToEnd();
    }
}
