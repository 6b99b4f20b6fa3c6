using EdgeLangevin.Core;
public static class Diag
{
    // per-unit noise sequences (K words per chain-step), chains 256, steps T
    public static void Run(string v, int seed, int steps, int k)
    {
        GaussianNoise.StudyVariant = v switch { "new" => 0, "old" => 1, "a" => 2, "b" => 3, _ => 0 };
        int chains = 256;
        var g = new GaussianNoise(chains, seed);
        var eta = new double[chains, k, steps];
        var buf = new int[k];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < chains; b++) { g.Fill(b, buf, 0, k); for (int j = 0; j < k; j++) eta[b, j, t] = buf[j] / 1024.0; }
        // lag correlations of eta and eta^2 per unit
        string lag = "";
        foreach (int L in new[] { 1, 2, 3, 5, 8 })
        {
            double s = 0, s2 = 0; long n = 0;
            for (int b = 0; b < chains; b++) for (int j = 0; j < k; j++) for (int t = 0; t + L < steps; t++)
            { double a = eta[b, j, t], c = eta[b, j, t + L]; s += a * c; s2 += (a * a - 1) * (c * c - 1); n++; }
            lag += $" L{L}:{s / n:+0.0000;-0.0000}/{s2 / n:+0.0000;-0.0000}";
        }
        // variance ratio of running sums over n steps (per unit)
        string vr = "";
        foreach (int n in new[] { 10, 100, 1000 })
        {
            double acc = 0; long cnt = 0;
            for (int b = 0; b < chains; b++) for (int j = 0; j < k; j++) for (int t0 = 0; t0 + n <= steps; t0 += n)
            { double s = 0; for (int t = t0; t < t0 + n; t++) s += eta[b, j, t]; acc += s * s / n; cnt++; }
            vr += $" n{n}:{acc / cnt:F4}";
        }
        // cross-chain: variance of sum over chains at each (unit, step) / chains
        double cc = 0; long m = 0;
        for (int j = 0; j < k; j++) for (int t = 0; t < steps; t++) { double s = 0; for (int b = 0; b < chains; b++) s += eta[b, j, t]; cc += s * s / chains; m++; }
        // cross-unit same chain same step: adjacent units
        double cu = 0; long mu = 0;
        for (int b = 0; b < chains; b++) for (int t = 0; t < steps; t++) for (int j = 0; j + 1 < k; j++) { cu += eta[b, j, t] * eta[b, j + 1, t]; mu++; }
        System.Console.WriteLine($"diag {v} seed {seed} K {k}: lag eta/eta2{lag} | sumvar{vr} | crosschain {cc / m:F4} | adjunit {cu / mu:+0.0000;-0.0000}");
    }
}
