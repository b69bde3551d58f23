using System.Collections.Frozen;
using System.Reflection;

namespace Bridge.Dashboard;

/// <summary>The dashboard's files, embedded in the binary (nothing is fetched from elsewhere), read once.</summary>
public static class DashboardAssets
{
    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Files = Load();

    /// <summary>A file by name (<c>app.js</c>), or null.</summary>
    public static (byte[] Bytes, string ContentType)? Get(string name) => Files.TryGetValue(name, out var f) ? f : null;

    public static string Text(string name) => System.Text.Encoding.UTF8.GetString(Files[name].Bytes);

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        const string prefix = "Bridge.Dashboard.Assets.";
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[prefix.Length..];
            files[name] = (copy.ToArray(), Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "text/html; charset=utf-8",
            });
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
