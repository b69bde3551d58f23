using System.Globalization;

namespace Bridge.Storage;

/// <summary>The admin queries' SQL that both engines speak alike: a message filter's conditions, and a page of a list.</summary>
internal static class AdminQueries
{
    /// <summary>
    /// The conditions of <paramref name="filter"/> on <c>messages m JOIN events e</c>; each value goes to
    /// <paramref name="parameter"/> under its name, which starts with the engine's <paramref name="prefix"/> (<c>$</c>, <c>@</c>).
    /// </summary>
    public static string MessageWhere(MessageFilter filter, char prefix, Action<string, object> parameter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(parameter);
        var where = new List<string> { "1 = 1" };
        if (filter.Status is { } status)
        {
            // A literal, not a parameter: only then can the planner use the partial indexes that hold one status (SQLite's
            // messages_dead for dead letters, those on status = 0 for pending messages; PostgreSQL's alike).
            where.Add(FormattableString.Invariant($"m.status = {(int)status}"));
        }
        void Add(string condition, string name, object value)
        {
            where.Add(condition + prefix + name);
            parameter(prefix + name, value);
        }
        if (filter.Destination is { } destination) Add("m.destination = ", "fdest", destination);
        if (filter.Rule is { } rule) Add("m.rule = ", "frule", rule);
        if (filter.EventId is { } eventId) Add("e.event_id = ", "fevent", eventId);
        if (filter.Id is { } id) Add("m.id = ", "fid", id);
        return string.Join(" AND ", where);
    }

    /// <summary>A list's cursor (the last key of the page before); null for none or one that is no number.</summary>
    public static long? ParseCursor(string? cursor) =>
        long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><paramref name="items"/> read with one more than <paramref name="limit"/>: the page, and the cursor when there is more.</summary>
    public static Page<T> ToPage<T>(List<T> items, int limit, Func<T, long> key)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(key);
        if (items.Count <= limit) return new Page<T>(items, null);
        items.RemoveAt(items.Count - 1);
        return new Page<T>(items, key(items[^1]).ToString(CultureInfo.InvariantCulture));
    }
}
