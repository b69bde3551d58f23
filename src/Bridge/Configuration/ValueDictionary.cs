using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Bridge.Configuration;

/// <summary>
/// A read-only dictionary that equals another with the same keys mapped to equal values, in any order: the map
/// counterpart of <see cref="ValueList{T}"/>, for the config's destinations and sources.
/// </summary>
public sealed class ValueDictionary<TKey, TValue> : IReadOnlyDictionary<TKey, TValue>, IEquatable<ValueDictionary<TKey, TValue>>
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _items;

    internal ValueDictionary(IReadOnlyDictionary<TKey, TValue> items) =>
        // The source's key comparer is kept (the config's names are ordinal), so lookups behave as before.
        _items = items is Dictionary<TKey, TValue> d ? new(d, d.Comparer) : new(items);

    public int Count => _items.Count;

    public TValue this[TKey key] => _items[key];

    public IEnumerable<TKey> Keys => _items.Keys;

    public IEnumerable<TValue> Values => _items.Values;

    public bool ContainsKey(TKey key) => _items.ContainsKey(key);

    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value) => _items.TryGetValue(key, out value);

    public bool Equals(ValueDictionary<TKey, TValue>? other)
    {
        if (other is null || other.Count != Count) return false;
        if (ReferenceEquals(this, other)) return true;
        foreach (var (key, value) in _items)
        {
            if (!other._items.TryGetValue(key, out var theirs) || !EqualityComparer<TValue>.Default.Equals(value, theirs)) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as ValueDictionary<TKey, TValue>);

    /// <summary>Independent of order, as equality is.</summary>
    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var (key, value) in _items) hash ^= HashCode.Combine(_items.Comparer.GetHashCode(key), value);
        return hash;
    }

    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Makes <see cref="ValueDictionary{TKey, TValue}"/>s; config records call it on every map they are given.</summary>
public static class ValueDictionary
{
    /// <summary>The items as a <see cref="ValueDictionary{TKey, TValue}"/> (the same instance when they already are one).</summary>
    public static IReadOnlyDictionary<TKey, TValue> Of<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> items) where TKey : notnull =>
        items as ValueDictionary<TKey, TValue> ?? new ValueDictionary<TKey, TValue>(items);
}
