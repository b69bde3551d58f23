using System.Text;
using Bridge.Configuration;

namespace Bridge.Dashboard;

/// <summary>
/// Masks configured secrets in every answer under <c>/admin</c> (pages, the dashboard's JSON), whatever handler wrote
/// it: the one place that sees everything the browser gets. The live stream writes its own lines and masks them itself.
/// </summary>
public sealed class SecretMaskingMiddleware(RequestDelegate next, LiveRuntime live)
{
    // Not async itself: every other request (each hook) passes straight through, without a state machine of its own.
    public Task InvokeAsync(HttpContext http) =>
        !http.Request.Path.StartsWithSegments("/admin") || http.Request.Path.StartsWithSegments(DashboardEndpoints.StreamPath)
            ? next(http)
            : MaskAsync(http);

    private async Task MaskAsync(HttpContext http)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        var bytes = buffer.ToArray();
        if (IsText(http.Response.ContentType))
        {
            bytes = Encoding.UTF8.GetBytes(SecretMask.Apply(Encoding.UTF8.GetString(bytes), live.Current.Config));
            http.Response.ContentLength = bytes.Length;
        }
        await original.WriteAsync(bytes, http.RequestAborted);
    }

    private static bool IsText(string? contentType) =>
        contentType is not null && (contentType.Contains("json", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase));
}
