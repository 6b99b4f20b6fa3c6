using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Core.Tests;

public class TestVectorTests
{
    private static long[] ReadHex(string path, int bits) =>
        File.ReadAllLines(path).Select(line =>
        {
            Assert.Equal((bits + 3) / 4, line.Length);
            Assert.Equal(line.ToLowerInvariant(), line);
            long v = long.Parse(line, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return v >= 1L << (bits - 1) ? v - (1L << bits) : v; // two's complement of a bits-wide word
        }).ToArray();

    [Theory]
    [InlineData(1, "random", "signed")]
    [InlineData(2, "random", "nonnegative")]
    [InlineData(1, "bars", "nonnegative")]
    public void TheWrittenFilesReplayBitForBitInTheNaiveGoldModel(int order, string problem, string variant)
    {
        var vs = new VectorSettings { Problem = problem, Variant = variant == "signed" ? Reference.Model.Variant.Signed : Reference.Model.Variant.NonNegative, K = 5, D = 7, Steps = 40 };
        var model = vs.BuildModel(11);
        var settings = InferenceSettings.Default with { Order = order };
        var format = FormatSpec.Parse("A=12.10,S=24.12,M=12.8,C=12.10");
        VectorSet set = TestVectors.Generate(model, format, settings, 40, 11);
        string dir = Path.Combine(Path.GetTempPath(), "el-vectors-" + Guid.NewGuid().ToString("N"));
        try
        {
            TestVectors.Write(dir, set);
            var manifest = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!;
            Assert.Equal("edgelangevin-vectors", (string)manifest["format"]!);
            int k = (int)manifest["K"]!, d = (int)manifest["D"]!, steps = (int)manifest["steps"]!;
            Assert.Equal(order, (int)manifest["order"]!);
            Assert.Equal(variant, (string)manifest["variant"]!);
            var fm = manifest["formats"]!;
            Assert.Equal(12, (int)fm["WA"]!);
            Assert.Equal(24, (int)fm["WS"]!);
            var prm = manifest["params"]!;
            var p = new StepParameters(format, variant == "signed" ? FixedVariant.Signed : FixedVariant.NonNegative, order,
                (int)prm["u0_q"]!, (int)prm["leak_q"]!, (int)prm["gain_q"]!, (int)prm["noise_q"]!, (int)prm["half_q"]!, (int)prm["fric_q"]!);
            short[] a = ReadHex(Path.Combine(dir, "dictionary.hex"), 12).Select(v => (short)v).ToArray();
            int[] x = ReadHex(Path.Combine(dir, "x.hex"), 24).Select(v => (int)v).ToArray();
            long[] uInit = ReadHex(Path.Combine(dir, "u_init.hex"), 24);
            long[] noise = ReadHex(Path.Combine(dir, "noise.hex"), 16);
            long[] u = ReadHex(Path.Combine(dir, "u.hex"), 24);
            long[] s = ReadHex(Path.Combine(dir, "s.hex"), 24);
            Assert.Equal(d * k, a.Length);
            Assert.Equal(steps * k, noise.Length);
            var gold = new NaiveGoldModel(format, p, a, d, k, x, unchecked((uint)(int)manifest["seed"]!));
            gold.U = (long[])uInit.Clone();
            if (order == 2)
            {
                gold.M = ReadHex(Path.Combine(dir, "m_init.hex"), 24);
                Assert.True(File.Exists(Path.Combine(dir, "m.hex")));
            }
            long[]? m = order == 2 ? ReadHex(Path.Combine(dir, "m.hex"), 24) : null;
            // The gold model's own generator must reproduce noise.hex word for word.
            var replay = new NaiveGoldModel(format, p, a, d, k, x, unchecked((uint)(int)manifest["seed"]!));
            for (int i = 0; i < noise.Length; i++) Assert.Equal(noise[i], replay.Eta());
            for (int t = 0; t < steps; t++)
            {
                gold.Step();
                for (int j = 0; j < k; j++)
                {
                    Assert.Equal(gold.U[j], u[t * k + j]);
                    Assert.Equal(gold.Code(j), s[t * k + j]);
                    if (m is not null) Assert.Equal(gold.M[j], m[t * k + j]);
                }
            }
            Assert.Contains(s, v => v != 0); // some unit was active, so the data path was exercised
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData(5, 8, "00005")]
    [InlineData(-1, 16, "ffff")]
    [InlineData(-2, 24, "fffffe")]
    [InlineData(-32768, 16, "8000")]
    [InlineData(6, 10, "006")]
    public void HexWordsAreTwosComplementWithCeilWOverFourDigits(long value, int bits, string expected)
    {
        if (bits == 8) expected = expected[3..]; // 8 bits: two digits
        Assert.Equal(expected, TestVectors.Hex(value, bits));
    }
}
