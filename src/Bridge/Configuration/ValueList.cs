using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Bridge.Configuration;

/// <summary>
/// A read-only list that equals another with the same items in the same order. Config records hold their lists as
/// these, so a record compares by value all the way down: a reload that changes nothing yields an equal config, and
/// whatever is keyed by a config (a destination's sender, a paused destination's check) stays as it is.
/// </summary>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    internal ValueList(IEnumerable<T> items) => _items = [.. items];

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(ValueList<T>? other) =>
        other is not null && (ReferenceEquals(this, other) || _items.AsSpan().SequenceEqual(other._items, EqualityComparer<T>.Default));

    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item);
        return hash.ToHashCode();
    }

    /// <summary>The items as a list literal, so a record's <c>ToString</c> shows what it holds.</summary>
    public override string ToString() => $"[{string.Join(", ", _items)}]";

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Makes <see cref="ValueList{T}"/>s; config records call it on every list they are given.</summary>
public static class ValueList
{
    /// <summary>The items as a <see cref="ValueList{T}"/> (the same instance when they already are one); null stays null.</summary>
    [return: NotNullIfNotNull(nameof(items))]
    public static IReadOnlyList<T>? Of<T>(IReadOnlyList<T>? items) => items is null or ValueList<T> ? items : new ValueList<T>(items);
}
