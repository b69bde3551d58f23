using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Bridge.Hosting;
using Bridge.Tests.EndToEnd;
using Bridge.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Bridge.Tests.Hosting;

/// <summary>What a sender chose cannot forge a log line, and the bounded log buffer says what it dropped.</summary>
public sealed class LogInjectionTests
{
    private static readonly string Config = EndToEndConfigs.DryRun();

    private const string Forged = "\n[15:16:00 INF] Delivered message 999\u001b[2K";

    [Fact]
    public async Task AnEventIdWithALineBreakIsLoggedEscapedOnOneLine()
    {
        await using var bridge = await BridgeTestHost.StartAsync(Config);
        var body = JsonNode.Parse(TestPaths.ReadAuthentikPayload("event-login-admin.json"))!;
        body["event"]!["pk"] = "3f2b9c1d" + Forged;

        using var response = await bridge.PostHookAsync("authentik", Encoding.UTF8.GetBytes(body.ToJsonString()));
        var accepted = await bridge.Logs.WaitForMessageAsync("Accepted event");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var line = accepted.RenderMessage();
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\u001b', line);
        Assert.Contains("3f2b9c1d\\n[15:16:00 INF] Delivered message 999\\u001b[2K", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\r\nb\tc", "a\\r\\nb\\tc")]
    [InlineData("bell\u0007 del\u007f nel\u0085 ls\u2028", "bell\\u0007 del\\u007f nel\\u0085 ls\\u2028")]
    public void ControlCharactersAreEscaped(string text, string expected)
    {
        Assert.Equal(expected, ControlCharacterEscaper.Escape(text));
    }

    [Fact]
    public void TextWithoutControlsIsNotCopied()
    {
        const string text = "nothing to escape";
        Assert.Same(text, ControlCharacterEscaper.Escape(text));
    }

    [Fact]
    public async Task DroppedLinesAreCountedAndReportedOnceAMinute()
    {
        var clock = new FakeTimeProvider();
        var drops = new LogDrops();
        var logs = new ListLogger();
        using var reporter = new LogDropReporter(drops, clock, logs);
        await reporter.StartAsync(CancellationToken.None);

        for (var i = 0; i < 5; i++) drops.Count();
        clock.Advance(LogDropReporter.Period);
        clock.Advance(LogDropReporter.Period);
        drops.Count();
        drops.Count();
        await reporter.StopAsync(CancellationToken.None);

        Assert.Equal(["5 log lines were dropped because the console could not keep up (5 since start); no event or message was affected",
            "2 log lines were dropped because the console could not keep up (7 since start); no event or message was affected"], logs.Lines);
    }

    [Fact]
    public async Task TheHostHandsOutOneLoggerPerCategory()
    {
        await using var bridge = await BridgeTestHost.StartAsync(EndToEndConfigs.DryRun());
        var loggers = bridge.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>();

        // ASP.NET Core's results ask for theirs on every answer; Serilog's factory alone makes a new one each time.
        Assert.Same(loggers.CreateLogger("Microsoft.AspNetCore.Http.Result.AcceptedResult"), loggers.CreateLogger("Microsoft.AspNetCore.Http.Result.AcceptedResult"));
        Assert.NotSame(loggers.CreateLogger("one"), loggers.CreateLogger("another"));
    }

    [Fact]
    public void AFullBufferDropsAndCountsLinesWithoutWaitingAndDisposingWritesTheRest()
    {
        var console = new GatedSink();
        var drops = new LogDrops();
        var sink = new BufferedLogSink(console, capacity: 2, drops);
        sink.Emit(Line("first"));
        // The writer holds the first line (the console is stuck on it); two more fill the buffer, and two are dropped.
        Assert.True(console.Entered.Wait(TimeSpan.FromSeconds(10)), "the writer never took the first line");
        foreach (var text in new[] { "second", "third", "fourth", "fifth" }) sink.Emit(Line(text));
        Assert.Equal(2, drops.Dropped);

        console.Release.Set();
        sink.Dispose();
        Assert.Equal(["first", "second", "third"], console.Written);
    }

    private static Serilog.Events.LogEvent Line(string text) =>
        new(DateTimeOffset.UnixEpoch, Serilog.Events.LogEventLevel.Information, null, new Serilog.Parsing.MessageTemplateParser().Parse(text), []);

    /// <summary>A console that blocks on its first line until released.</summary>
    private sealed class GatedSink : Serilog.Core.ILogEventSink
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public List<string> Written { get; } = [];

        public void Emit(Serilog.Events.LogEvent logEvent)
        {
            Entered.Set();
            Release.Wait(TimeSpan.FromSeconds(10));
            Written.Add(logEvent.MessageTemplate.Text);
        }
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<LogDropReporter>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
