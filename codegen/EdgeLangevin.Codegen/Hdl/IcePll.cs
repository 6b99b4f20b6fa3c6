using System.Globalization;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// Divider settings of the iCE40 PLL (SB_PLL40, simple feedback) for a target clock from the
/// iCEBreaker's 12 MHz oscillator: f_out = f_in (DIVF + 1) / ((DIVR + 1) 2^DIVQ), with the
/// phase detector at 10..133 MHz and the VCO at 533..1066 MHz (Lattice iCE40 sysCLOCK PLL
/// guide; the same search icepll does). The closest achievable clock wins.
/// </summary>
public sealed record IcePll(int DivR, int DivF, int DivQ, int FilterRange, double InputMhz, double OutputMhz)
{
    public static IcePll For(double targetMhz, double inputMhz = 12.0)
    {
        IcePll? best = null;
        for (int divr = 0; divr < 16; divr++)
        {
            double pfd = inputMhz / (divr + 1);
            if (pfd < 10 || pfd > 133) continue;
            for (int divf = 0; divf < 128; divf++)
            {
                double vco = pfd * (divf + 1);
                if (vco < 533 || vco > 1066) continue;
                for (int divq = 1; divq <= 6; divq++)
                {
                    double fout = vco / (1 << divq);
                    if (best is null || Math.Abs(fout - targetMhz) < Math.Abs(best.OutputMhz - targetMhz))
                        best = new IcePll(divr, divf, divq, Filter(pfd), inputMhz, fout);
                }
            }
        }
        return best ?? throw new InvalidOperationException("no PLL setting exists");
    }

    private static int Filter(double pfd) => pfd < 17 ? 1 : pfd < 26 ? 2 : pfd < 44 ? 3 : pfd < 66 ? 4 : pfd < 101 ? 5 : 6;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{InputMhz:0.###} MHz -> {OutputMhz:0.###} MHz (DIVR={DivR}, DIVF={DivF}, DIVQ={DivQ})");
}
