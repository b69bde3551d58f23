using System.Globalization;
using Jint.Runtime;

namespace Bridge.Mappings;

/// <summary>
/// The clock a script sees: one instant for the whole run, taken from the injected <see cref="TimeProvider"/> (or a
/// test's <c>now</c>), so <c>Date.now()</c> never reads the machine's clock and mapping tests are repeatable.
/// </summary>
internal sealed class FixedTimeSystem(DateTimeOffset now) : DefaultTimeSystem(TimeZoneInfo.Utc, CultureInfo.InvariantCulture)
{
    public override DateTimeOffset GetUtcNow() => now;
}
