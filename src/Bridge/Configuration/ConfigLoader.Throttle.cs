namespace Bridge.Configuration;

public static partial class ConfigLoader
{
    /// <summary>A rule's <c>throttle</c>; null when absent or invalid (every problem reported with its path).</summary>
    private static ThrottleConfig? ReadThrottle(YamlSection rule, bool grouped)
    {
        var section = rule.Section("throttle");
        if (section is null) return null;
        var errors = section.ErrorCount;
        var max = section.WholeNumber("max", 1, 100_000);
        if (max is null && !section.Has("max")) section.Error("max", "required: how many events of each period are sent one by one, e.g. 5");
        var per = section.Duration("per", ThrottleConfig.MinPer);
        if (per is null && !section.Has("per")) section.Error("per", "required: the period, e.g. 10m");
        else if (per > ThrottleConfig.MaxPer) section.Error("per", $"{Seconds(per.Value)} is longer than a day: a digest would come too late to act on");
        var by = section.StringOrList("by") ?? [];
        if (section.Has("by")) CheckGroupKeys(section, by, "throttle by");
        section.ReportUnknownKeys(ThrottleConfig.Keys);
        // A group already makes a storm one card, updated at most every interval: a throttle on top would only hold back
        // those updates, and a digest could not replace the card it would summarise.
        if (grouped) section.Error("group and throttle on one rule: a group already keeps a storm to one card, updated at most every interval; keep one of them");
        return section.ErrorCount == errors && max is { } m && per is { } p ? new ThrottleConfig(m, p, by) : null;
    }
}
