using System.Text.Json.Nodes;
using Bridge.MappingTests;

namespace Bridge.Tests.MappingTests;

/// <summary>How <c>expect:</c> compares with what was sent: a subset, with text matchers and priority names.</summary>
public sealed class MessageExpectationTests
{
    private static readonly JsonNode Sent = JsonNode.Parse("""
        {"topic":"t","title":"Failed login: root","message":"line one\nIP 1.2.3.4","priority":4,"tags":["warning","login_failed"],
         "actions":[{"action":"view","label":"Open","url":"https://a/b"}]}
        """)!;

    private static List<Mismatch> Compare(string expectedYamlAsJson) => MessageExpectation.Compare(JsonNode.Parse(expectedYamlAsJson), Sent);

    [Theory]
    [InlineData("""{"title":"Failed login: root"}""")]
    [InlineData("""{"priority":4}""")]
    [InlineData("""{"priority":4.0}""")]
    [InlineData("""{"priority":"high"}""")]
    [InlineData("""{"message":{"contains":"IP 1.2.3.4"}}""")]
    [InlineData("""{"message":{"matches":"^line one\\nIP \\d"}}""")]
    [InlineData("""{"click":null}""")]
    [InlineData("""{"actions":[{"label":"Open"}]}""")]
    [InlineData("""{}""")]
    public void MatchingExpectationsFindNoDifference(string expected) => Assert.Empty(Compare(expected));

    [Theory]
    [InlineData("""{"title":"Failed login: admin"}""", "title", "\"Failed login: root\"")]
    [InlineData("""{"priority":"urgent"}""", "priority", "4")]
    [InlineData("""{"priority":"4"}""", "priority", "4")]
    [InlineData("""{"click":"https://x"}""", "click", "not set")]
    [InlineData("""{"title":null}""", "title", "\"Failed login: root\"")]
    [InlineData("""{"tags":["warning"]}""", "tags", "[\"warning\",\"login_failed\"]")]
    [InlineData("""{"tags":["warning","login"]}""", "tags[1]", "\"login_failed\"")]
    [InlineData("""{"message":{"contains":"IP 9.9.9.9"}}""", "message", "\"line one\\nIP 1.2.3.4\"")]
    [InlineData("""{"actions":[{"url":"https://a/c"}]}""", "actions[0].url", "\"https://a/b\"")]
    public void EachDifferenceNamesTheFieldAndWhatWasSent(string expected, string path, string actual)
    {
        var mismatch = Assert.Single(Compare(expected));
        Assert.Equal((path, actual), (mismatch.Path, mismatch.Actual));
    }

    [Fact]
    public void AnInvalidRegexIsReportedNotThrown()
    {
        var mismatch = Assert.Single(Compare("""{"message":{"matches":"("}}"""));
        Assert.Contains("not a valid regular expression", mismatch.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlScalarsHaveYamlTypes()
    {
        var file = MappingTestReader.Parse("""
            mapping: m.js
            cases:
              - name: types
                payload: { action: login }
                expect: { priority: 4, markdown: true, title: "4", message: ~, tags: [a, "b"] }
            """, "/tmp/t.yaml");
        var expect = (JsonObject)Assert.Single(file.Cases).Expect.Messages!;
        Assert.Equal("""{"priority":4,"markdown":true,"title":"4","message":null,"tags":["a","b"]}""", expect.ToJsonString());
    }
}
