namespace EdgeLangevin.Reference;

/// <summary>
/// A progress report from a long run: which stage, how many units of work are done out
/// of how many. Libraries report through <see cref="IProgress{T}"/> of this; the command
/// line turns it into a progress bar (terminal) or plain lines (CI, pipes).
/// </summary>
public readonly record struct RunProgress(string Stage, long Done, long Total);
