#nullable disable
using EdgeLangevin.Core;

namespace EdgeLangevin.Firmware
{
    /// <summary>What the boot self-test found.</summary>
    public sealed class SelfTestResult
    {
        public bool Passed;
        /// <summary>First step (1-based) whose state hash differs, or 0.</summary>
        public int FirstBadStep;
        /// <summary>First unit whose final state word differs, or -1.</summary>
        public int FirstBadUnit;
        public int Expected;
        public int Actual;
        /// <summary>"PASS (...)" or "FAIL: ..." naming the first mismatch.</summary>
        public string Message;
    }

    /// <summary>
    /// The boot self-test: replays the golden vector that the desktop simulator produced at export
    /// time (same input, same seed, same steps) on this board's core and compares the state words
    /// bit for bit. A PASS means the board computes exactly what the simulator computes.
    /// </summary>
    public static class GoldenSelfTest
    {
        /// <summary>
        /// FNV-1a over 32-bit words, one word at a time: h = (h ^ w) * 16777619 from h = 0x811C9DC5
        /// (wrapping int arithmetic, no unsigned types). The exporter computes the same on the host.
        /// </summary>
        public static int HashWords(int[] words, int offset, int count)
        {
            int h = -2128831035;
            for (int i = 0; i < count; i++) h = unchecked((h ^ words[offset + i]) * 16777619);
            return h;
        }

        /// <summary>The same hash over 16-bit words, each sign-extended to 32 bits first.</summary>
        public static int HashShorts(short[] words)
        {
            int h = -2128831035;
            for (int i = 0; i < words.Length; i++) h = unchecked((h ^ words[i]) * 16777619);
            return h;
        }

        /// <summary>Runs the golden vector of <paramref name="model"/> on a fresh one-chain solver.</summary>
        public static SelfTestResult Run(FirmwareModel model)
        {
            int tableHash = HashShorts(model.DictionaryRowMajor);
            if (tableHash != model.DictionaryHash)
            {
                var bad = new SelfTestResult();
                bad.FirstBadUnit = -1;
                bad.Expected = model.DictionaryHash;
                bad.Actual = tableHash;
                bad.Message = "FAIL: the dictionary table hash is " + tableHash + ", expected " + model.DictionaryHash + " (the tables are not the exported ones)";
                return bad;
            }
            var solver = new LangevinSolver(model.Parameters, model.DictionaryRowMajor, model.D, model.K, 1, model.GoldenSeed);
            solver.SetData(0, model.GoldenInput, 0);
            System.Array.Copy(model.GoldenInitialState, 0, solver.Workspace.U, 0, model.K);
            // With learning, the golden run learns too (the learner's rounding stream seeded by the golden seed),
            // so the self-test covers the learning kernels as well.
            FixedLearner learner = model.Learning == null ? null : new FixedLearner(solver, model.Learning, model.GoldenSeed);
            var result = new SelfTestResult();
            result.FirstBadUnit = -1;
            int[] u = solver.Workspace.U;
            for (int step = 1; step <= model.GoldenSteps; step++)
            {
                if (learner == null) solver.Step();
                else learner.Step();
                int h = HashWords(u, 0, model.K);
                if (result.FirstBadStep == 0 && h != model.GoldenStepHashes[step - 1])
                {
                    result.FirstBadStep = step;
                }
            }
            for (int k = 0; k < model.K; k++)
            {
                if (u[k] != model.GoldenFinalState[k])
                {
                    result.FirstBadUnit = k;
                    result.Expected = model.GoldenFinalState[k];
                    result.Actual = u[k];
                    break;
                }
            }
            bool thresholdOk = solver.ThresholdQ == model.GoldenFinalThreshold;
            result.Passed = result.FirstBadStep == 0 && result.FirstBadUnit < 0 && thresholdOk;
            if (result.Passed)
            {
                result.Message = "PASS (" + model.GoldenSteps + (learner == null ? " steps" : " steps with learning") + ", K = " + model.K + ", D = " + model.D + ", seed " + model.GoldenSeed + ", bit for bit)";
            }
            else if (result.FirstBadUnit >= 0)
            {
                result.Message = "FAIL: after step " + model.GoldenSteps + " u[" + result.FirstBadUnit + "] = " + result.Actual + ", expected " + result.Expected
                    + (result.FirstBadStep > 0 ? "; the state first differs after step " + result.FirstBadStep : "; every step's state hash agrees, so the golden vector itself is damaged");
            }
            else if (result.FirstBadStep == 0)
            {
                result.Message = "FAIL: after step " + model.GoldenSteps + " the learned threshold u0_q = " + solver.ThresholdQ + ", expected " + model.GoldenFinalThreshold;
            }
            else
            {
                result.Message = "FAIL: the state first differs after step " + result.FirstBadStep + " of " + model.GoldenSteps + " (the final words agree again)";
            }
            return result;
        }
    }
}
