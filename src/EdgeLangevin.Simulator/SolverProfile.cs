using EdgeLangevin.Core;

namespace EdgeLangevin.Simulator;

/// <summary>
/// Precision profiling: the observed range (largest magnitude, in real units) of every
/// state quantity over a run, and how many integer bits each needs, so word widths can
/// be chosen before committing to hardware. Observes the workspace after each step (host
/// side, so the solver itself stays allocation-free).
/// </summary>
public sealed class SolverProfile
{
    public double MaxAbsU { get; private set; }
    public double MaxAbsM { get; private set; }
    public double MaxAbsR { get; private set; }
    public double MaxAbsS { get; private set; }
    public double MaxAbsX { get; private set; }
    /// <summary>Largest |s_m|, |r_m|, |g_m| as real values (MAC operands).</summary>
    public double MaxAbsSm { get; private set; }
    public double MaxAbsRm { get; private set; }
    public double MaxAbsGm { get; private set; }
    /// <summary>Largest number of active units in one chain at one step.</summary>
    public int MaxActive { get; private set; }
    public double MeanActive => _steps == 0 ? 0 : _activeSum / (double)_steps;
    private long _activeSum, _steps;

    public void Observe(LangevinSolver solver)
    {
        FixedFormat f = solver.Format;
        SolverWorkspace ws = solver.Workspace;
        double s = Math.ScaleB(1.0, -f.StateFracBits), m = Math.ScaleB(1.0, -f.MacFracBits);
        MaxAbsU = Math.Max(MaxAbsU, MaxAbs(ws.U) * s);
        MaxAbsM = Math.Max(MaxAbsM, MaxAbs(ws.M) * s);
        MaxAbsR = Math.Max(MaxAbsR, MaxAbs(ws.R) * s);
        MaxAbsX = Math.Max(MaxAbsX, MaxAbs(ws.X) * s);
        MaxAbsSm = Math.Max(MaxAbsSm, MaxAbs(ws.Sm) * m);
        MaxAbsRm = Math.Max(MaxAbsRm, MaxAbs(ws.Rm) * m);
        long gm = 0;
        for (int b = 0; b < ws.Chains; b++)
        {
            int n = ws.ActiveCount[b];
            _activeSum += n;
            if (n > MaxActive) MaxActive = n;
            for (int j = 0; j < n; j++) gm = Math.Max(gm, Math.Abs((long)ws.Gm[b * ws.K + j]));
            for (int k = 0; k < ws.K; k++) MaxAbsS = Math.Max(MaxAbsS, Math.Abs(solver.CodeQ(b, k)) * s);
        }
        _steps += ws.Chains;
        MaxAbsGm = Math.Max(MaxAbsGm, gm * m);
    }

    private static long MaxAbs(int[] a)
    {
        long m = 0;
        foreach (int v in a) m = Math.Max(m, Math.Abs((long)v));
        return m;
    }

    /// <summary>Integer bits (excluding sign) needed to hold magnitudes up to <paramref name="maxAbs"/>.</summary>
    public static int IntegerBits(double maxAbs) => maxAbs < 1 ? 0 : (int)Math.Floor(Math.Log2(maxAbs)) + 1;
}
