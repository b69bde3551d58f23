using Bridge.Configuration;
using Bridge.Dashboard;
using Bridge.Ingest;

namespace Bridge.Observability;

/// <summary>
/// Counts and times every answer of <c>POST /hooks/{source}</c> from the outside, by what it answered: the 202's body
/// says accepted or duplicate and which rules matched, any other status is a refusal. Ingest itself stays unaware of metrics.
/// </summary>
public sealed class HookMetricsFilter(BridgeMetrics metrics, LiveRuntime live, TimeProvider time, DashboardPulse pulse) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var started = time.GetTimestamp();
        var result = await next(context);
        var named = context.HttpContext.Request.RouteValues["source"] as string;
        var source = named is not null && live.Current.Config.Sources.ContainsKey(named) ? named : BridgeMetrics.UnknownSource;
        var answer = result is INestedHttpResult nested ? nested.Result : result;
        var status = (answer as IStatusCodeHttpResult)?.StatusCode ?? context.HttpContext.Response.StatusCode;
        if (answer is IValueHttpResult { Value: HookAccepted accepted })
        {
            metrics.HookAnswered(source, accepted.Status, status, time.GetElapsedTime(started));
            if (accepted.Status != "accepted") return result;
            foreach (var rule in accepted.Matched) metrics.RuleMatched(rule);
            pulse.Set();
            return result;
        }
        metrics.HookAnswered(source, "refused", status, time.GetElapsedTime(started));
        return result;
    }
}
