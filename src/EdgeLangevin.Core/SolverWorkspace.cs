using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// Every buffer the solver touches, allocated once here so that a step allocates
    /// nothing. Flat arrays with offsets: chain b's unit k is at b * K + k, its pixel d at
    /// b * D + d. All words are in the formats of <see cref="FixedFormat"/>.
    /// </summary>
    public sealed class SolverWorkspace
    {
        /// <summary>Saturation site: u narrowed to WS.</summary>
        public const int SiteU = 0;
        /// <summary>Saturation site: m narrowed to WS.</summary>
        public const int SiteM = 1;
        /// <summary>Saturation site: r narrowed to WS.</summary>
        public const int SiteR = 2;
        /// <summary>Saturation site: s narrowed to a MAC operand (WM).</summary>
        public const int SiteSm = 3;
        /// <summary>Saturation site: r narrowed to a MAC operand (WM).</summary>
        public const int SiteRm = 4;
        /// <summary>Saturation site: A^T r narrowed to a MAC operand (WM).</summary>
        public const int SiteGm = 5;
        /// <summary>Saturation site: m narrowed to a MAC operand (WM), order 2 only.</summary>
        public const int SiteMm = 6;
        /// <summary>Number of saturation sites.</summary>
        public const int SiteCount = 7;

        /// <summary>Allocates every buffer for <paramref name="chains"/> chains of K units on D-dimensional data.</summary>
        public SolverWorkspace(int chains, int units, int dimensions)
        {
            if (chains < 1) throw new ArgumentException("chains = " + chains + ": expected at least 1");
            if (units < 1) throw new ArgumentException("K = " + units + ": expected at least 1 unit");
            if (dimensions < 1) throw new ArgumentException("D = " + dimensions + ": expected at least 1 dimension");
            if ((long)chains * units > 0x3FFFFFFF || (long)chains * dimensions > 0x3FFFFFFF)
                throw new ArgumentException("chains x K or chains x D is too large for one flat array");
            Chains = chains;
            K = units;
            D = dimensions;
            U = new int[chains * units];
            M = new int[chains * units];
            X = new int[chains * dimensions];
            R = new int[chains * dimensions];
            Rm = new int[chains * dimensions];
            Sm = new int[chains * units];
            Active = new int[chains * units];
            ActiveCount = new int[chains];
            Gm = new int[chains * units];
            Drive = new int[units];
            IsActive = new bool[units];
            Accumulator = new long[dimensions];
            CorrelationSums = new long[units];
            Eta = new int[MaxNoiseGroup * units];
            Saturations = new long[SiteCount];
        }

        /// <summary>Number of chains B.</summary>
        public int Chains { get; private set; }
        /// <summary>Number of units K.</summary>
        public int K { get; private set; }
        /// <summary>Data dimension D.</summary>
        public int D { get; private set; }

        /// <summary>u, B*K words, state format.</summary>
        public int[] U { get; private set; }
        /// <summary>Momentum m (order 2), B*K words, state format.</summary>
        public int[] M { get; private set; }
        /// <summary>Data x_q, B*D words, state format.</summary>
        public int[] X { get; private set; }
        /// <summary>Residual r = x - A s of the last step, B*D words, state format.</summary>
        public int[] R { get; private set; }
        /// <summary>Residual narrowed to a MAC operand, B*D words, MAC format.</summary>
        public int[] Rm { get; private set; }
        /// <summary>Code narrowed to a MAC operand of the last step, B*K words, MAC format (0 for inactive units).</summary>
        public int[] Sm { get; private set; }
        /// <summary>Active list of each chain: the first ActiveCount[b] entries from b*K are the active units, increasing.</summary>
        public int[] Active { get; private set; }
        /// <summary>Length of each chain's active list.</summary>
        public int[] ActiveCount { get; private set; }
        /// <summary>(A^T r)_k narrowed to a MAC operand, by active-list slot: chain b slot j at b*K + j (0 for an inactive unit listed by the dense step).</summary>
        public int[] Gm { get; private set; }
        /// <summary>Scratch: drive of the chain being stepped, by unit (0 for an inactive unit).</summary>
        public int[] Drive { get; private set; }
        /// <summary>Scratch: which units of the chain being stepped are active (used by the dense step).</summary>
        public bool[] IsActive { get; private set; }
        /// <summary>Scratch: the D wide accumulators of A s.</summary>
        public long[] Accumulator { get; private set; }
        /// <summary>Scratch: the sums A^T r_m of the chain being stepped, by active-list slot.</summary>
        public long[] CorrelationSums { get; private set; }
        /// <summary>
        /// Scratch: the noise words of the chains being stepped, drawn ahead of their steps:
        /// up to <see cref="MaxNoiseGroup"/> chains, K words each (word k of chain c of a group at
        /// c * K + k; see <see cref="StepKernel.FillNoise"/>).
        /// </summary>
        public int[] Eta { get; private set; }

        /// <summary>The most chains whose noise words a kernel may draw together (the desktop AVX-512 kernel draws 32).</summary>
        public const int MaxNoiseGroup = 32;

        /// <summary>Clip counts per site (SiteU..SiteMm), accumulated over every step since the last reset.</summary>
        public long[] Saturations { get; private set; }

        /// <summary>Sum of the clip counts over every site.</summary>
        public long SaturationTotal
        {
            get
            {
                long t = 0;
                for (int i = 0; i < Saturations.Length; i++) t += Saturations[i];
                return t;
            }
        }

        /// <summary>
        /// Counts the solver's hand-outs of its dictionary for writing (<see cref="LangevinSolver.DictionaryColumns"/>
        /// adds 1 each time it is read): a kernel may keep what it derived from the dictionary (the AVX-512
        /// kernel's int32 chunk bound, a scan of every entry) while this count is unchanged.
        /// </summary>
        public int DictionaryVersion { get; private set; }

        /// <summary>Marks the dictionary as possibly changed (<see cref="DictionaryVersion"/> + 1, wrapping).</summary>
        public void DictionaryMayChange()
        {
            DictionaryVersion = unchecked(DictionaryVersion + 1);
        }

        /// <summary>Sets every clip count to 0.</summary>
        public void ResetSaturations()
        {
            for (int i = 0; i < Saturations.Length; i++) Saturations[i] = 0;
        }

        /// <summary>The name of a saturation site as FIXED_POINT.md spells it.</summary>
        public static string SiteName(int site)
        {
            switch (site)
            {
                case SiteU: return "u";
                case SiteM: return "m";
                case SiteR: return "r";
                case SiteSm: return "s_m";
                case SiteRm: return "r_m";
                case SiteGm: return "g_m";
                case SiteMm: return "m_m";
                default: throw new ArgumentException("site = " + site + ": expected 0 to " + (SiteCount - 1));
            }
        }
    }
}
