using System.Collections.Concurrent;

namespace Bridge.Hosting;

/// <summary>
/// Hands out one logger per category, as the framework's own logger factory does. Serilog's factory makes a new logger
/// (a contextual Serilog logger and its caches) on every call, and ASP.NET Core asks for one on every request it
/// answers with a result (<c>Accepted</c>, <c>Problem</c>): allocation and work per event for nothing.
/// </summary>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Wraps the logger factory <paramref name="services"/> registers last (Serilog's, from <c>AddSerilog</c>).</summary>
    public static void Wrap(IServiceCollection services)
    {
        var registered = services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        var make = registered.ImplementationFactory ?? throw new InvalidOperationException("the logger factory is not registered by a factory");
        services.Remove(registered);
        // The wrapper is what the container disposes, and it disposes Serilog's factory (which flushes the log).
        services.AddSingleton<ILoggerFactory>(sp => new CachingLoggerFactory((ILoggerFactory)make(sp)));
    }
}
