namespace Bridge.Tests.Support;

/// <summary>Where the repository's samples and mappings are copied in the test output.</summary>
public static class TestPaths
{
    public static string Samples => Path.Combine(AppContext.BaseDirectory, "samples");

    public static string Mappings => Path.Combine(AppContext.BaseDirectory, "mappings");

    public static string AuthentikPayload(string name) => Path.Combine(Samples, "payloads", "authentik", name);

    public static byte[] ReadAuthentikPayload(string name) => File.ReadAllBytes(AuthentikPayload(name));
}
