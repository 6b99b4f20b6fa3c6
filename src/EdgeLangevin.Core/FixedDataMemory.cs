using System;

namespace EdgeLangevin.Core
{
    /// <summary>
    /// A finite data set the learner cycles through, as the chip's data memory does
    /// (FIXED_POINT.md "The data memory"): N data of D words (state format), one cursor that
    /// starts at 0; each chain flagged by <see cref="FixedLearner.DecideSwitching"/>, in
    /// increasing chain order, takes the datum at the cursor, which then advances and wraps at N.
    /// Allocates nothing after construction.
    /// </summary>
    public sealed class FixedDataMemory
    {
        private readonly int[] _words;
        private readonly int _count;
        private readonly int _d;
        private readonly int[] _taken;
        private int _cursor;

        /// <summary>
        /// <paramref name="words"/> holds <paramref name="count"/> data of <paramref name="dimensions"/>
        /// words each (datum n at n * D); it is used in place, not copied. <paramref name="chains"/> sizes <see cref="Taken"/>.
        /// </summary>
        public FixedDataMemory(int[] words, int count, int dimensions, int chains)
        {
            if (words == null) throw new ArgumentNullException("words");
            if (count < 1 || dimensions < 1 || chains < 1) throw new ArgumentException("N = " + count + ", D = " + dimensions + ", chains = " + chains + ": expected at least 1 each");
            if (words.Length != count * dimensions) throw new ArgumentException("data memory has " + words.Length + " words, expected N * D = " + count + " * " + dimensions);
            _words = words;
            _count = count;
            _d = dimensions;
            _taken = new int[chains];
        }

        /// <summary>N, the number of data.</summary>
        public int Count { get { return _count; } }

        /// <summary>The index of the datum the next switching chain will take.</summary>
        public int Cursor { get { return _cursor; } }

        /// <summary>After <see cref="Feed"/>: the datum index chain b took, or -1 when it kept its datum.</summary>
        public int[] Taken { get { return _taken; } }

        /// <summary>
        /// Gives every chain that <paramref name="learner"/> flagged (call <see cref="FixedLearner.DecideSwitching"/>
        /// first) its next datum, in increasing chain order; returns how many switched.
        /// </summary>
        public int Feed(FixedLearner learner)
        {
            if (learner == null) throw new ArgumentNullException("learner");
            bool[] needs = learner.NeedsData;
            LangevinSolver solver = learner.Solver;
            if (needs.Length != _taken.Length || solver.D != _d)
                throw new ArgumentException("the learner has " + needs.Length + " chains and D = " + solver.D + ", the data memory was made for " + _taken.Length + " and D = " + _d);
            int n = 0;
            for (int b = 0; b < needs.Length; b++)
            {
                if (!needs[b]) { _taken[b] = -1; continue; }
                solver.SetData(b, _words, _cursor * _d);
                _taken[b] = _cursor;
                _cursor++;
                if (_cursor == _count) _cursor = 0;
                n++;
            }
            return n;
        }
    }
}
