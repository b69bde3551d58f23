namespace Bridge.Mappings;

/// <summary>Why a mapping produced nothing sendable. <see cref="Kind"/> is <c>syntax</c>, <c>runtime</c>, <c>limit</c> or <c>invalid_message</c>.</summary>
/// <param name="Field">For <c>invalid_message</c>: the offending field, e.g. <c>[0].priority</c>.</param>
public sealed record MappingError(string Mapping, string Kind, string Message, int? Line = null, int? Column = null, string? Field = null)
{
    public const string Syntax = "syntax";
    public const string Runtime = "runtime";
    public const string Limit = "limit";
    public const string InvalidMessage = "invalid_message";

    public override string ToString() =>
        $"{Mapping}{(Line is null ? "" : $":{Line}:{Column}")}: {Kind}: {(string.IsNullOrEmpty(Field) ? "" : Field + ": ")}{Message}";
}
