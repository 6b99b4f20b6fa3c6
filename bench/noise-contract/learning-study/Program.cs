using System.Diagnostics;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Data;
using EdgeLangevin.Reference.Learning;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

// usage: Study <variants e.g. new,old,a,b,float,lr0> <firstSeed> <lastSeed> <steps> <recordEvery> <tailSteps>
if (args[0] == "diag") { foreach (var v in args[1].Split(',')) Diag.Run(v, int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4])); return; }
string[] variants = args[0].Split(',');
int s0 = int.Parse(args[1]), s1 = int.Parse(args[2]);
int steps = int.Parse(args[3]), every = int.Parse(args[4]), tail = int.Parse(args[5]);
for (int seed = s0; seed <= s1; seed++)
foreach (var v in variants)
{
    var data = new BarsData();
    var model = data.TrueModel() with { Dictionary = Learner.RandomDictionary(64, 16, seed) };
    var learn = new LearningSettings { Batch = 256, Steps = steps, RecordEvery = every, LearnDictionary = v != "lr0" };
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    IReadOnlyList<LearningRecord> hist;
    if (v == "float")
    {
        hist = Learner.Run(model, data, new InferenceSettings(), learn, seed, data.TrueDictionary).History;
    }
    else
    {
        GaussianNoise.StudyVariant = v switch { "new" => 0, "old" => 1, "a" => 2, "b" => 3, "nearest" => 0, "lr0" => 0, _ => throw new ArgumentException(v) };
        var rounding = v == "nearest" ? LearningRounding.Nearest : LearningRounding.Stochastic;
        hist = FixedLearning.Run(model, data, new InferenceSettings(), learn, FixedFormat.Default, seed, data.TrueDictionary, rounding: rounding).History;
    }
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    var tailPts = hist.Where(h => h.Step > steps - tail && h.Cosine.HasValue).Select(h => h.Cosine!.Value).ToArray();
    double fin = hist[^1].Cosine!.Value;
    double mean = tailPts.Average();
    double below = tailPts.Count(c => c < 0.98) / (double)tailPts.Length;
    double min = tailPts.Min();
    var sorted = tailPts.OrderBy(c => c).ToArray();
    double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    Console.WriteLine($"{v},{seed},{fin:F4},{mean:F4},{median:F4},{below:F3},{min:F4},{tailPts.Length},{cpu:F1},{string.Join(' ', hist.Select(h => h.Cosine?.ToString("F4")))}");
}
