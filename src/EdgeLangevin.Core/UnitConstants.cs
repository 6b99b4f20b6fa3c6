namespace EdgeLangevin.Core
{
    /// <summary>
    /// The constants of the element-wise steps (FIXED_POINT.md step 1, the threshold; the residual
    /// of step 2; the drive of step 3; first-order step 4, the update) in the form a <see cref="StepKernel"/> uses them: the solver's
    /// parameters with every rshr written as (v + Round) &gt;&gt; Shift and every sat as a range.
    /// Owned by one <see cref="LangevinSolver"/>, which changes <see cref="U0"/> when the threshold
    /// is learned; kernels only read it.
    /// </summary>
    public sealed class UnitConstants
    {
        /// <summary>The threshold u0_q (state format), 0 to 2^(WS-1) - 1.</summary>
        public long U0 { get; internal set; }
        /// <summary>True for the signed variant (s carries the sign of u), false for non-negative.</summary>
        public bool Signed { get; internal set; }
        /// <summary>FS - FM and its rounding constant (0 when the shift is 0): s_m = satM((s + RoundSm) &gt;&gt; ShiftSm).</summary>
        public int ShiftSm { get; internal set; }
        /// <summary>See <see cref="ShiftSm"/>.</summary>
        public long RoundSm { get; internal set; }
        /// <summary>The MAC operand range: -2^(WM-1).</summary>
        public long MinM { get; internal set; }
        /// <summary>The MAC operand range: 2^(WM-1) - 1.</summary>
        public long MaxM { get; internal set; }
        /// <summary>FA + FM - FS and its rounding constant: r = satS(x - ((A s + RoundRecon) &gt;&gt; ShiftRecon)).</summary>
        public int ShiftRecon { get; internal set; }
        /// <summary>See <see cref="ShiftRecon"/>.</summary>
        public long RoundRecon { get; internal set; }
        /// <summary>leak_q (state format).</summary>
        public long Leak { get; internal set; }
        /// <summary>noise_q (coefficient format).</summary>
        public long NoiseScale { get; internal set; }
        /// <summary>FC + FE - FS and its rounding constant: the noise term is (noise_q eta + RoundNoise) &gt;&gt; ShiftNoise.</summary>
        public int ShiftNoise { get; internal set; }
        /// <summary>See <see cref="ShiftNoise"/>.</summary>
        public long RoundNoise { get; internal set; }
        /// <summary>The state range: -2^(WS-1).</summary>
        public long MinS { get; internal set; }
        /// <summary>The state range: 2^(WS-1) - 1.</summary>
        public long MaxS { get; internal set; }
        /// <summary>FA and its rounding constant: g_m = satM((A^T r_m + RoundCorr) &gt;&gt; ShiftCorr).</summary>
        public int ShiftCorr { get; internal set; }
        /// <summary>See <see cref="ShiftCorr"/>.</summary>
        public long RoundCorr { get; internal set; }
        /// <summary>gain_q (coefficient format).</summary>
        public long Gain { get; internal set; }
        /// <summary>FC + FM - FS and its rounding constant: drv = (gain_q g_m + RoundCoef) &gt;&gt; ShiftCoef.</summary>
        public int ShiftCoef { get; internal set; }
        /// <summary>See <see cref="ShiftCoef"/>.</summary>
        public long RoundCoef { get; internal set; }
    }
}
