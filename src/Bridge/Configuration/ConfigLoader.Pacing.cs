namespace Bridge.Configuration;

/// <summary>A destination's pacing keys: <c>rate</c> and <c>fallback</c>.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] RateKeys = ["burst", "per"];

    /// <summary><c>rate: none</c>, or <c>rate: { burst: 60, per: 5s }</c> with either key defaulting to ntfy's.</summary>
    private static PaceConfig? ReadRate(YamlSection destination)
    {
        var d = PaceConfig.NtfyDefault;
        if (!destination.IsMapping("rate"))
        {
            var text = destination.Text("rate");
            if (text is null) return d;
            if (text == "none") return null;
            destination.Error("rate", $"\"{text}\" is not 'none' or a mapping like {{ burst: 60, per: 5s }}");
            return d;
        }
        var section = destination.Section("rate")!;
        var burst = section.WholeNumber("burst", 1, PaceConfig.MaxBurst) ?? d.Burst;
        var per = section.Duration("per", min: PaceConfig.MinPer) ?? d.Per;
        if (per > PaceConfig.MaxPer)
        {
            section.Error("per", $"is longer than {PaceConfig.MaxPer.TotalHours:0} h: one send a day or less is no pace (write 'rate: none' for no limit)");
            per = d.Per;
        }
        section.ReportUnknownKeys(RateKeys);
        return new PaceConfig(burst, per);
    }

    /// <summary>Every <c>fallback</c> names another configured destination, and following them never comes back round.</summary>
    private static void CheckFallbacks(Dictionary<string, YamlSection> sections, Dictionary<string, DestinationConfig> destinations)
    {
        foreach (var (name, destination) in destinations)
        {
            if (destination.Fallback is not { } fallback) continue;
            var section = sections[name];
            if (fallback == name) section.Error("fallback", "names the destination itself; name another destination");
            else if (!destinations.ContainsKey(fallback))
                section.Error("fallback", $"\"{fallback}\" is not a configured destination (configured: {string.Join(", ", destinations.Keys)})");
            else if (Cycle(name, destinations) is { } cycle) section.Error("fallback", $"goes round in a circle ({string.Join(" → ", cycle)}): one must hold its messages");
        }
    }

    /// <summary>The chain of fallbacks from <paramref name="start"/> when it returns to <paramref name="start"/>; null when it ends.</summary>
    private static List<string>? Cycle(string start, Dictionary<string, DestinationConfig> destinations)
    {
        var chain = new List<string> { start };
        var current = start;
        // At most one step per destination: a longer chain has repeated one.
        for (var i = 0; i < destinations.Count; i++)
        {
            if (destinations.GetValueOrDefault(current)?.Fallback is not { } next) return null;
            chain.Add(next);
            if (next == start) return chain;
            current = next;
        }
        return null;
    }
}
