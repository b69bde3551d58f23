using Bridge.Incidents;

namespace Bridge.Configuration;

public static partial class ConfigLoader
{
    /// <summary>A rule's <c>group</c>; null when absent or invalid (every problem reported with its path).</summary>
    private static GroupConfig? ReadGroup(YamlSection rule)
    {
        var section = rule.Section("group");
        if (section is null) return null;
        var errors = section.ErrorCount;
        var by = section.StringOrList("by");
        if (by is null) section.Error("by", "required: the event fields whose values make a group, e.g. [context.username] or [user.username, client_ip]");
        else CheckGroupKeys(section, by);
        var window = section.Duration("window", TimeSpan.FromSeconds(1)) ?? GroupConfig.DefaultWindow;
        var interval = section.Duration("interval", TimeSpan.FromSeconds(1)) ?? GroupConfig.DefaultInterval;
        var wait = section.Duration("wait") ?? TimeSpan.Zero;
        section.ReportUnknownKeys(GroupConfig.Keys);
        if (interval > window)
            section.Error("interval", $"{Seconds(interval)} is longer than the window ({Seconds(window)}): the group would close before its first update");
        if (wait >= window)
            section.Error("wait", $"{Seconds(wait)} is not shorter than the window ({Seconds(window)}): the group would close before its first card");
        return section.ErrorCount == errors && by is not null ? new GroupConfig(by, window, interval, wait) : null;
    }

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";

    /// <param name="purpose">What the fields are for, in the error ("group by", "throttle by").</param>
    private static void CheckGroupKeys(YamlSection section, IReadOnlyList<string> by, string purpose = "group by")
    {
        if (by.Count == 0) section.Error("by", "empty list: name at least one event field");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < by.Count; i++)
        {
            var key = by.Count > 1 ? $"by[{i}]" : "by";
            if (!GroupKeys.IsKnown(by[i]))
                section.Error(key, $"\"{by[i]}\" is not an event field to {purpose}; use one of {string.Join(", ", GroupKeys.Fields)} or context.<field>");
            else if (!seen.Add(by[i]))
                section.Error(key, $"\"{by[i]}\" is named twice");
        }
    }
}
