using System.Globalization;
using Jint.Runtime;

namespace Bridge.Mappings;

/// <summary>
/// The clock a script sees: one instant for the whole run, taken from the injected <see cref="TimeProvider"/> (or a
/// test's <c>now</c>), so <c>Date.now()</c> never reads the machine's clock and mapping tests are repeatable. A pooled
/// sandbox sets it at the start of each run.
/// </summary>
internal sealed class RunClock() : DefaultTimeSystem(TimeZoneInfo.Utc, CultureInfo.InvariantCulture)
{
    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}
