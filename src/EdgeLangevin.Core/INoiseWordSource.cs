namespace EdgeLangevin.Core
{
    /// <summary>
    /// A source of Langevin noise words eta in Q5.10 with unit variance (2^20 LSB^2), the
    /// format of <see cref="GaussianNoise"/>: the hook through which physical noise (the
    /// paper's idea; HardwareNoise.PhysicalGaussianNoise) replaces the built-in generator
    /// (<see cref="LangevinSolver.ExternalNoise"/>). Must not allocate; called once per unit
    /// per step, chain by chain in increasing k.
    /// </summary>
    public interface INoiseWordSource
    {
        /// <summary>The next noise word, Q5.10.</summary>
        int NextEta();
    }
}
