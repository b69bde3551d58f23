using System.Text;
using System.Text.Json;
using Bridge.Messages;

namespace Bridge.Tests.Messages;

public sealed class MessageNormalizerTests
{
    private static MessageNormalization Normalize(string json, string? topic = "alerts") =>
        MessageNormalizer.Normalize(JsonDocument.Parse(json).RootElement, topic);

    private static NtfyMessage Valid(string json, string? topic = "alerts")
    {
        var result = Normalize(json, topic);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Message!;
    }

    private static MessageFieldError SingleError(string json, string? topic = "alerts")
    {
        var result = Normalize(json, topic);
        Assert.Null(result.Message);
        return Assert.Single(result.Errors);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("5", 5)]
    [InlineData("4.0", 4)]
    [InlineData("\"4\"", 4)]
    [InlineData("\" 2 \"", 2)]
    [InlineData("\"min\"", 1)]
    [InlineData("\"low\"", 2)]
    [InlineData("\"default\"", 3)]
    [InlineData("\"HIGH\"", 4)]
    [InlineData("\"max\"", 5)]
    [InlineData("\"Urgent\"", 5)]
    public void PriorityNamesNumbersAndNumericTextBecomeIntegers(string priority, int expected) =>
        Assert.Equal(expected, Valid($$"""{"priority": {{priority}}}""").Priority);

    [Theory]
    [InlineData("0")]
    [InlineData("null")]
    [InlineData("\"0\"")]
    public void PriorityZeroOrNullLeavesItUnset(string priority) =>
        Assert.Null(Valid($$"""{"priority": {{priority}}}""").Priority);

    [Theory]
    [InlineData("6", "6 is out of range")]
    [InlineData("-1", "-1 is out of range")]
    [InlineData("2.5", "2.5 is out of range")]
    [InlineData("\"7\"", "7 is out of range")]
    [InlineData("\"loud\"", "'loud' is not a priority")]
    [InlineData("true", "expected 1-5")]
    [InlineData("[4]", "expected 1-5")]
    public void InvalidPriorityIsAnErrorNamingTheValue(string priority, string expected)
    {
        var error = SingleError($$"""{"priority": {{priority}}}""");
        Assert.Equal("priority", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"key, warning ,,login\"", new[] { "key", "warning", "login" })]
    [InlineData("[\"key\", \"a,b\", 42, null]", new[] { "key", "a", "b", "42" })]
    [InlineData("[\" spaced \"]", new[] { "spaced" })]
    public void TagsAcceptListsAndCommaSeparatedText(string tags, string[] expected) =>
        Assert.Equal(expected, Valid($$"""{"tags": {{tags}}}""").Tags);

    [Theory]
    [InlineData("{\"tags\": {\"a\": 1}}", "tags")]
    [InlineData("{\"tags\": [\"ok\", {\"a\": 1}]}", "tags[1]")]
    [InlineData("{\"tags\": true}", "tags")]
    public void TagsThatAreNotTextAreErrors(string json, string field) => Assert.Equal(field, SingleError(json).Field);

    [Theory]
    [InlineData("{\"topic\": \"ops_alerts-1\"}", null, "ops_alerts-1")]
    [InlineData("{}", "rule-topic", "rule-topic")]
    [InlineData("{\"topic\": null}", "rule-topic", "rule-topic")]
    [InlineData("{\"topic\": \"mine\"}", "rule-topic", "mine")]
    [InlineData("{\"topic\": 123}", null, "123")]
    public void TopicComesFromTheMessageElseTheRule(string json, string? ruleTopic, string expected) =>
        Assert.Equal(expected, Valid(json, ruleTopic).Topic);

    [Theory]
    [InlineData("{\"topic\": \"has space\"}", "'has space' is not a valid ntfy topic")]
    [InlineData("{\"topic\": \"ümlaut\"}", "'ümlaut' is not a valid ntfy topic")]
    [InlineData("{\"topic\": \"\"}", "missing")]
    [InlineData("{\"topic\": \"docs\"}", "'docs' is reserved")]
    [InlineData("{\"topic\": \"v1\"}", "'v1' is reserved")]
    [InlineData("{\"topic\": \"login\"}", "'login' is reserved")]
    [InlineData("{\"topic\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "is not a valid ntfy topic")]
    [InlineData("{\"topic\": {\"x\": 1}}", "expected text")]
    public void InvalidTopicIsAnErrorNamingTheValue(string json, string expected)
    {
        var error = SingleError(json);
        Assert.Equal("topic", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoTopicAnywhereIsAnErrorThatSaysWhereToSetIt()
    {
        var error = SingleError("""{"title": "x"}""", topic: null);
        Assert.Equal("topic: missing (set it in the mapping or the rule's topic)", error.ToString());
    }

    [Theory]
    [InlineData("x", 1)]
    [InlineData("ü", 2)]
    [InlineData("€", 3)]
    [InlineData("🔐", 4)]
    public void LongMessagesAreCutAtACharacterBoundaryAndEndWithAnEllipsis(string unit, int unitBytes)
    {
        var text = string.Concat(Enumerable.Repeat(unit, (5000 / unitBytes) + 1));
        var message = MessageNormalizer.Truncate(text, MessageNormalizer.MaxMessageBytes);

        var bytes = Encoding.UTF8.GetByteCount(message);
        Assert.InRange(bytes, 4095 - unitBytes - 3 + 1, 4095);
        Assert.EndsWith("…", message, StringComparison.Ordinal);
        Assert.StartsWith(message[..^1], text, StringComparison.Ordinal);
        // A strict decoder proves no surrogate pair or UTF-8 sequence was split.
        Assert.Equal(message, new UTF8Encoding(false, true).GetString(Encoding.UTF8.GetBytes(message)));
        Assert.False(char.IsHighSurrogate(message[^2]));
    }

    [Fact]
    public void LongMessageInAMappingResultIsCutTo4095Bytes()
    {
        var message = Valid(JsonSerializer.Serialize(new { message = new string('ü', 3000) })).Message!;
        Assert.Equal(4095, Encoding.UTF8.GetByteCount(message));
        Assert.EndsWith("ü…", message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmojiHeavyMessageIsCutFurtherSoTheEscapedBodyFits()
    {
        var message = Valid(JsonSerializer.Serialize(new { message = string.Concat(Enumerable.Repeat("🔐", 2000)) }));
        Assert.InRange(NtfyMessageJson.ToUtf8(message).Length, 8000, MessageNormalizer.MaxBodyBytes);
        Assert.EndsWith("🔐…", message.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageOfExactly4095BytesIsKeptWhole()
    {
        var text = new string('x', 4095);
        Assert.Equal(text, Valid(JsonSerializer.Serialize(new { message = text })).Message);
    }

    [Fact]
    public void WholeBodyOver8191BytesShortensTheMessageUntilItFits()
    {
        var json = JsonSerializer.Serialize(new { title = new string('t', 3000), message = new string('"', 4000) });
        var message = Valid(json);
        var size = NtfyMessageJson.ToUtf8(message).Length;
        Assert.InRange(size, 8000, MessageNormalizer.MaxBodyBytes);
        Assert.EndsWith("…", message.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BodyThatCannotFitEvenWithoutItsMessageIsAnError()
    {
        var json = JsonSerializer.Serialize(new { title = new string('t', 9000), message = "hi" });
        var error = SingleError(json);
        Assert.Contains("ntfy accepts at most 8191", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FourActionsAreRejectedWithTheCount()
    {
        var action = """{"action": "view", "label": "x", "url": "https://example.com"}""";
        var error = SingleError($$"""{"actions": [{{action}}, {{action}}, {{action}}, {{action}}]}""");
        Assert.Equal("actions: 4 actions, ntfy accepts at most 3", error.ToString());
    }

    [Fact]
    public void ActionsAreNormalisedToTheFieldsNtfyReads()
    {
        var message = Valid("""
            {"actions": [
              {"action": "VIEW", "label": "Open", "url": "https://auth.example.com/if/admin/", "clear": true},
              {"action": "http", "label": "Lock", "url": "https://api.example.com/lock", "method": "POST", "headers": {"X-Id": 7}, "body": "{}"},
              {"action": "broadcast", "label": "Tell", "extras": {"cmd": "x"}},
              null
            ]}
            """);
        var actions = message.Actions!;
        Assert.Equal(3, actions.Count);
        Assert.Equal("""{"action":"view","label":"Open","url":"https://auth.example.com/if/admin/","clear":true}""", actions[0]!.ToJsonString());
        Assert.Equal("7", (string?)actions[1]!["headers"]!["X-Id"]);
    }

    [Theory]
    [InlineData("""{"action": "view", "label": "x"}""", "actions[0].url", "missing")]
    [InlineData("""{"action": "view", "url": "https://e.com"}""", "actions[0].label", "missing")]
    [InlineData("""{"action": "open", "label": "x", "url": "https://e.com"}""", "actions[0].action", "'open' is not an action")]
    [InlineData("""{"action": "http", "label": "x", "url": "ftp://e.com/x"}""", "actions[0].url", "must be an http:// or https:// URL")]
    [InlineData("""{"action": "view", "label": "x", "url": "javascript:alert(1)"}""", "actions[0].url", "'javascript:' URLs are not allowed")]
    [InlineData("""{"action": "view", "label": "x", "url": "/relative"}""", "actions[0].url", "not an absolute URL")]
    [InlineData("""{"action": "copy", "label": "x"}""", "actions[0].value", "missing")]
    [InlineData("""{"action": "http", "label": "x", "url": "https://e.com", "headers": "a"}""", "actions[0].headers", "expected an object")]
    [InlineData("""{"action": "view", "label": "x", "url": "https://e.com", "lable": "y"}""", "actions[0].lable", "did you mean 'label'")]
    [InlineData("\"view\"", "actions[0]", "an action must be an object")]
    public void InvalidActionsNameTheField(string action, string field, string expected)
    {
        var error = SingleError($$"""{"actions": [{{action}}]}""");
        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://auth.example.com/if/admin/")]
    [InlineData("mailto:ops@example.com")]
    [InlineData("geo:52.52,13.40")]
    [InlineData("tel:+49301234")]
    [InlineData("ntfy://ntfy.sh/alerts")]
    public void ClickAcceptsAbsoluteUrlsAPhoneCanOpen(string url) =>
        Assert.Equal(url, Valid(JsonSerializer.Serialize(new { click = url })).Click);

    [Theory]
    [InlineData("click", "javascript:alert(1)")]
    [InlineData("click", "data:text/html,hi")]
    [InlineData("click", "file:///etc/passwd")]
    [InlineData("click", "not a url")]
    [InlineData("attach", "ftp://example.com/a.png")]
    [InlineData("icon", "mailto:x@example.com")]
    [InlineData("icon", "/icon.png")]
    public void UnsafeOrNonHttpUrlsAreErrors(string field, string url) =>
        Assert.Equal(field, SingleError(JsonSerializer.Serialize(new Dictionary<string, string> { [field] = url })).Field);

    [Fact]
    public void UnknownFieldIsAnErrorThatSuggestsTheKnownOne()
    {
        var error = SingleError("""{"titel": "x"}""");
        Assert.Equal("titel", error.Field);
        Assert.Contains("did you mean 'title'?", error.Message, StringComparison.Ordinal);
        Assert.Contains("known fields: topic, message, title", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FieldNamesAreCaseSensitive() => Assert.Equal("Title", SingleError("""{"Title": "x"}""").Field);

    [Theory]
    [InlineData("\"just text\"", "not the text 'just text'")]
    [InlineData("42", "not the number 42")]
    [InlineData("[1]", "not a list")]
    [InlineData("true", "not the boolean true")]
    public void NonObjectIsAnError(string json, string expected)
    {
        var error = SingleError(json);
        Assert.Equal("", error.Field);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("title", "{\"a\": 1}")]
    [InlineData("message", "[\"a\"]")]
    [InlineData("delay", "true")]
    [InlineData("sequence_id", "{}")]
    [InlineData("markdown", "\"maybe\"")]
    public void WrongTypesAreErrors(string field, string value) =>
        Assert.Equal(field, SingleError($$"""{"{{field}}": {{value}}}""").Field);

    [Fact]
    public void NumbersWhereTextGoesBecomeTheirText()
    {
        var message = Valid("""{"title": 42, "sequence_id": 1234567, "delay": 30, "markdown": "true"}""");
        Assert.Equal(("42", "1234567", "30", true), (message.Title, message.SequenceId, message.Delay, message.Markdown));
    }

    [Fact]
    public void EveryErrorIsReportedNotJustTheFirst()
    {
        var result = Normalize("""{"priority": 9, "titel": "x", "icon": "ftp://x"}""");
        Assert.Equal(["priority", "titel", "icon"], result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void SerialisedBodyOmitsNullsAndKeepsAccentsAsUtf8()
    {
        var message = Valid("""{"title": "Jürgen <admin> 🔐", "tags": ["key"], "priority": "high"}""");
        var json = Encoding.UTF8.GetString(NtfyMessageJson.ToUtf8(message));
        Assert.Equal("""{"topic":"alerts","title":"Jürgen <admin> \uD83D\uDD10","tags":["key"],"priority":4}""", json);
        Assert.Equal("Jürgen <admin> 🔐", JsonDocument.Parse(json).RootElement.GetProperty("title").GetString());
        Assert.Contains("\n  \"topic\"", Encoding.UTF8.GetString(NtfyMessageJson.ToUtf8(message, indented: true)), StringComparison.Ordinal);
    }
}
