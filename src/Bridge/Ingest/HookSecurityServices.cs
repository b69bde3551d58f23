using Bridge.Ingest.Auth;

namespace Bridge.Ingest;

/// <summary>Registers what guards <c>/hooks</c>: the gate, the authenticator and its memory of signed message ids.</summary>
public static class HookSecurityServices
{
    public static IServiceCollection AddHookSecurity(this IServiceCollection services)
    {
        services.AddSingleton<ReplayCache>(sp => new ReplayCache(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SourceAuthenticator>();
        services.AddSingleton<HookGate>();
        return services;
    }
}
