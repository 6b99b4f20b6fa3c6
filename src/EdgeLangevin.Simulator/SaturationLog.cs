using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Core;

namespace EdgeLangevin.Simulator;

/// <summary>
/// Every fixed-point run of one command adds its clip counts here, by site (FIXED_POINT.md: u, m, r,
/// s_m, r_m, g_m, m_m, and the dictionary during learning), so that no saturation goes unreported:
/// the command line opens a log per verb (<see cref="Begin"/>), puts <see cref="ToJson"/> in the verb's
/// --json result and warns on the console when anything clipped. The engines call <see cref="Add"/>
/// at the end of a run; outside a log, that does nothing.
/// </summary>
public sealed class SaturationLog : IDisposable
{
    private static readonly AsyncLocal<SaturationLog?> Current = new();
    private readonly object _gate = new();
    private readonly long[] _bySite = new long[SolverWorkspace.SiteCount];
    private readonly SaturationLog? _previous;
    private long _dictionary;

    private SaturationLog(SaturationLog? previous) => _previous = previous;

    /// <summary>Opens the log of one command; runs on tasks started inside the scope add to it.</summary>
    public static SaturationLog Begin()
    {
        var log = new SaturationLog(Current.Value);
        Current.Value = log;
        return log;
    }

    /// <summary>Records one fixed-point run's clip counts (indexed by SolverWorkspace.Site*) and, for learning, the dictionary's.</summary>
    public static void Add(long[] bySite, long dictionary = 0)
    {
        if (Current.Value is not { } log) return;
        lock (log._gate)
        {
            log.Runs++;
            for (int i = 0; i < bySite.Length && i < log._bySite.Length; i++) log._bySite[i] += bySite[i];
            log._dictionary += dictionary;
        }
    }

    /// <summary>The log of the command now running, if any.</summary>
    public static SaturationLog? Active => Current.Value;

    /// <summary>Fixed-point runs recorded; 0 when the verb ran only the float reference.</summary>
    public int Runs { get; private set; }

    public long Total
    {
        get { lock (_gate) return _bySite.Sum() + _dictionary; }
    }

    /// <summary><c>{"total": N, "by_site": {"u": .., ..., "dictionary": ..}, "runs": R}</c>.</summary>
    public JsonObject ToJson()
    {
        lock (_gate)
        {
            var sites = new JsonObject();
            for (int i = 0; i < _bySite.Length; i++) sites[SolverWorkspace.SiteName(i)] = _bySite[i];
            sites["dictionary"] = _dictionary;
            return new JsonObject { ["total"] = _bySite.Sum() + _dictionary, ["by_site"] = sites, ["runs"] = Runs };
        }
    }

    /// <summary>"s_m 1234, r_m 5" (the sites that clipped, most first).</summary>
    public string Describe()
    {
        lock (_gate)
        {
            var parts = Enumerable.Range(0, _bySite.Length).Select(i => (Name: SolverWorkspace.SiteName(i), Count: _bySite[i]))
                .Append((Name: "dictionary", Count: _dictionary)).Where(p => p.Count > 0).OrderByDescending(p => p.Count);
            return string.Join(", ", parts.Select(p => $"{p.Name} {p.Count.ToString(CultureInfo.InvariantCulture)}"));
        }
    }

    public void Dispose() => Current.Value = _previous;
}
