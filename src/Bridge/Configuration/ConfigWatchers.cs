namespace Bridge.Configuration;

/// <summary>
/// Watches what a configuration is made of: its file and the mapping files (<c>*.js</c>) in its mappings folder.
/// Reports every change by path; debouncing and reloading are the <see cref="ConfigReloader"/>'s job.
/// </summary>
internal sealed class ConfigWatchers : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];

    private ConfigWatchers()
    {
    }

    /// <summary>The folders watched, for the start-up log and to know when a reload moved them.</summary>
    public List<string> Watched { get; } = [];

    public static ConfigWatchers Start(BridgeConfig config, Action<string> changed, ILogger log)
    {
        var result = new ConfigWatchers();
        if (config.FilePath is { } file)
            result.Watch(Path.GetDirectoryName(Path.GetFullPath(file))!, Path.GetFileName(file), subdirectories: false, changed, log);
        if (Directory.Exists(config.MappingsDirectory))
            result.Watch(config.MappingsDirectory, "*.js", subdirectories: true, changed, log);
        else
            log.LogWarning("Mappings folder {Folder} does not exist; mapping files added there later are not watched until a restart", config.MappingsDirectory);
        return result;
    }

    private void Watch(string folder, string filter, bool subdirectories, Action<string> changed, ILogger log)
    {
        var watcher = new FileSystemWatcher(folder, filter)
        {
            IncludeSubdirectories = subdirectories,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += (_, e) => changed(e.FullPath);
        watcher.Created += (_, e) => changed(e.FullPath);
        watcher.Deleted += (_, e) => changed(e.FullPath);
        watcher.Renamed += (_, e) => changed(e.FullPath);
        // A lost notification (buffer overflow) could hide an edit: reload anyway, it only costs a compile.
        watcher.Error += (_, e) =>
        {
            log.LogWarning(e.GetException(), "File watching on {Folder} reported an error; reloading to be safe", folder);
            changed(folder);
        };
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
        Watched.Add(Path.Combine(folder, filter));
    }

    public void Dispose()
    {
        foreach (var w in _watchers) w.Dispose();
    }
}
