namespace Bridge.Mappings;

/// <summary>
/// Thrown by the sandbox's own guards (bounded <c>repeat</c>, <c>join</c>, <c>JSON.stringify</c>…). A .NET exception on purpose:
/// scripts cannot catch it, so a run that hit a limit always ends as a <c>limit</c> error.
/// </summary>
internal sealed class SandboxLimitException(string message) : Exception(message);
