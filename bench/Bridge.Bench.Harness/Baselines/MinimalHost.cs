using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bridge.Bench.Harness.Baselines;

/// <summary>What both baselines share: a slim Kestrel host without log providers, and the bridge's answer shape.</summary>
internal static class MinimalHost
{
    /// <summary>
    /// A slim builder that does not watch its settings files: that watcher covers the content root (the folder it was
    /// started in, the repository) recursively, so the bridge's every store and log write under <c>bench/out</c> queued a
    /// file event for this process, charged to the bridge's writes.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder() =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });

    public static WebApplication Build(string url)
    {
        var builder = CreateBuilder();
        builder.WebHost.UseUrls(url);
        // A console line per request would measure the console, as it does for the bridge at Information.
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/healthz", () => "Healthy");
        return app;
    }

    public static async Task AcceptedAsync(HttpContext context, string eventId)
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", "accepted");
        json.WriteString("event", eventId);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
