using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using EdgeLangevin.Codegen.Firmware;
using EdgeLangevin.Core.Tests;
using EdgeLangevin.Reference.Io;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace EdgeLangevin.Firmware.Tests.Boards;

/// <summary>
/// The IL-level check of what the boards run: the assembly firmware/nanoframework-check builds (the core,
/// firmware/common and the exported model, compiled against nanoFramework.CoreLibrary's mscorlib alone)
/// is read with System.Reflection.Metadata (<see cref="NanoFrameworkIl"/>). The Roslyn subset test
/// (NanoFrameworkSubsetTests) stays for what compiles but must not be used (lambdas, stackalloc, ...).
/// </summary>
public class NanoFrameworkAssemblyTests(ITestOutputHelper output)
{
    private static string Metadata(string key) =>
        typeof(NanoFrameworkAssemblyTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException(key + " not recorded by the test project");

    /// <summary>lib/mscorlib.dll of nanoFramework.CoreLibrary (Directory.Packages.props pins the version).</summary>
    private static string Mscorlib => Metadata("NanoFrameworkMscorlib");

    private static string CheckAssembly => Metadata("NanoFrameworkCheckAssembly");

    private static string Root => SourceTree.Root;

    [Fact]
    public void The_compile_check_assembly_references_only_nanoframework_mscorlib_and_its_il_stays_in_the_subset()
    {
        Assert.True(File.Exists(CheckAssembly), $"{CheckAssembly} missing: build firmware/nanoframework-check");
        byte[] image = File.ReadAllBytes(CheckAssembly);
        var il = NanoFrameworkIl.Analyse(image);
        output.WriteLine(Path.GetFileName(CheckAssembly) + ": " + il.Summary);

        // The only reference is the package's mscorlib, by name and version.
        using (var pe = new PEReader(new MemoryStream(image)))
        {
            MetadataReader md = pe.GetMetadataReader();
            AssemblyReference reference = Assert.Single(md.AssemblyReferences.Select(md.GetAssemblyReference));
            Assert.Equal("mscorlib", md.GetString(reference.Name));
            Assert.Equal(AssemblyName.GetAssemblyName(Mscorlib).Version, reference.Version);
        }
        Assert.True(il.Violations.Count == 0, "outside the nanoFramework subset at the IL level:\n" + string.Join("\n", il.Violations));

        // It read the whole assembly: every core, common and model type, and their code.
        Assert.True(il.Types >= 30 && il.Methods >= 200 && il.Instructions >= 5000, il.Summary);
        // The exported model's tables are static array data: the dictionary alone is D x K shorts.
        Assert.True(il.StaticArrayBytes >= 2 * 64 * 16, il.Summary);
        Assert.True(il.SignatureTableEstimateBytes <= NanoFrameworkIl.SignatureTableLimitBytes, il.Summary);
    }

    [Theory]
    [InlineData("class C { uint F; }", "type System.UInt32")]
    [InlineData("class C { static int F(int[] a) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i]; return (int)s; } }", "local: type System.Double")]
    [InlineData("class C { static long F(int a) { return (long)(uint)a; } }", "conv.u8")]
    [InlineData("class C { static int F(int a) { return (int)((uint)a >> 3); } }", "shr.un")]
    [InlineData("class C { static byte F(int a) { return (byte)a; } }", "return: type System.Byte")]
    [InlineData("class C { static T F<T>(T a) { return a; } }", "generic method")]
    [InlineData("class G<T> { } class C { static object F() { return new G<int>(); } }", "generic type G`1<System.Int32>")]
    public void The_il_check_finds_each_kind_of_violation(string source, string expected)
    {
        var il = NanoFrameworkIl.Analyse(CompileAgainstNanoFramework([("Snippet.cs", source)]));
        Assert.Contains(il.Violations, v => v.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_il_check_measures_static_array_data_exactly()
    {
        // 300 ints and 1000 shorts (non-zero, so the compiler stores them as RVA blobs): 1200 + 2000 bytes.
        string ints = string.Join(", ", Enumerable.Range(1, 300));
        string shorts = string.Join(", ", Enumerable.Range(1, 1000).Select(i => i % 7 + 1));
        var il = NanoFrameworkIl.Analyse(CompileAgainstNanoFramework([("Tables.cs",
            $"class T {{ static int[] A() {{ return new int[] {{ {ints} }}; }} static short[] B() {{ return new short[] {{ {shorts} }}; }} }}")]));
        Assert.Empty(il.Violations);
        Assert.Equal(2, il.StaticArrays);
        Assert.Equal(1200 + 2000, il.StaticArrayBytes);
        Assert.Equal(2000, il.LargestStaticArrayBytes);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(4096)]
    public void The_largest_model_the_nanoframework_budget_admits_fits_the_metadata_processor(int goldenSteps)
    {
        // The largest dictionary the exporter accepts for nanoframework (no learning: 4 bytes a weight instead
        // of 16), with the shortest and the longest golden run, compiled as the board compiles it.
        var model = ModelFile.Read(Path.Combine(Root, "firmware", "models", "bars8x8.json"));
        long budget = FirmwareTargets.BudgetBytes(FirmwareTarget.NanoFramework);
        int d = model.D, k = 1;
        while (FirmwareTargets.EstimateRamBytes(d, k + 1, 1, goldenSteps, learning: false) <= budget) k++;
        var options = new FirmwareExportOptions { Target = FirmwareTarget.NanoFramework, GoldenSteps = goldenSteps, LearnDictionary = false, LearnPi = false };
        var renderer = new Codegen.Templates.TemplateRenderer(Path.Combine(Root, "firmware", "templates"));
        var wide = WithColumns(model, k);
        Assert.Throws<InvalidInputException>(() => FirmwareExporter.Build(WithColumns(model, k + 1), "edge", options, renderer));
        FirmwareExport export = FirmwareExporter.Build(wide, "edge", options, renderer);

        var il = NanoFrameworkIl.Analyse(CompileAgainstNanoFramework(BoardSources(export.ModelSource)));
        output.WriteLine($"D = {d}, K = {k}, {goldenSteps} golden steps, RAM {export.RamBytes} of {budget}: {il.Summary}");
        Assert.Empty(il.Violations);
        Assert.True(il.StaticArrayBytes >= 2L * d * k + 4L * goldenSteps, il.Summary);
        Assert.True(il.LargestStaticArrayBytes <= NanoFrameworkIl.SignatureTableLimitBytes, il.Summary);
        Assert.True(il.SignatureTableEstimateBytes <= NanoFrameworkIl.SignatureTableLimitBytes, il.Summary);
    }

    [Fact]
    public void Nanoframework_mscorlib_reaches_no_other_project()
    {
        // Only the compile check references the package's assets; the tests name it as a file, with no assets.
        string check = Path.Combine(Root, "firmware", "nanoframework-check", "EdgeLangevin.Firmware.NanoFrameworkCheck.csproj");
        foreach (string project in Directory.EnumerateFiles(Root, "*.csproj", SearchOption.AllDirectories).Where(p => p != check && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            var doc = XDocument.Load(project);
            foreach (XElement package in doc.Descendants("PackageReference").Where(p => (string?)p.Attribute("Include") == "nanoFramework.CoreLibrary"))
                Assert.True((string?)package.Attribute("ExcludeAssets") == "all" && (string?)package.Attribute("PrivateAssets") == "all", $"{project} takes nanoFramework.CoreLibrary's assets");
            foreach (XElement reference in doc.Descendants("ProjectReference").Where(p => ((string)p.Attribute("Include")!).Contains("NanoFrameworkCheck", StringComparison.Ordinal)))
                Assert.Equal("false", (string?)reference.Attribute("ReferenceOutputAssembly"));
        }
        // And at run time: nothing this test host loaded or can load is nanoFramework's (public key token c07d481e9758c731).
        byte[] nanoToken = AssemblyName.GetAssemblyName(Mscorlib).GetPublicKeyToken()!;
        Assert.Equal("c07d481e9758c731", Convert.ToHexStringLower(nanoToken));
        foreach (string dll in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
        {
            Assert.NotEqual("mscorlib.dll", Path.GetFileName(dll));
            Assert.NotEqual("EdgeLangevin.Firmware.NanoFrameworkCheck.dll", Path.GetFileName(dll));
        }
        foreach (Assembly loaded in AppDomain.CurrentDomain.GetAssemblies())
            foreach (AssemblyName reference in loaded.GetReferencedAssemblies())
                Assert.False(reference.GetPublicKeyToken() is { Length: 8 } token && token.SequenceEqual(nanoToken), $"{loaded.GetName().Name} references {reference}");
    }

    /// <summary>The model with its dictionary widened to <paramref name="k"/> columns (column j repeats column j mod K).</summary>
    private static Reference.Model.SparseCodingModel WithColumns(Reference.Model.SparseCodingModel model, int k)
    {
        var a = new Reference.Model.Matrix(model.D, k);
        for (int i = 0; i < model.D; i++)
            for (int j = 0; j < k; j++) a[i, j] = model.Dictionary[i, j % model.K];
        return model with { Dictionary = a };
    }

    /// <summary>What a board compiles: every core file, firmware/common and the given exported model.</summary>
    private static List<(string Path, string Text)> BoardSources(string modelSource) =>
        NanoFrameworkSubsetTests.CoreFiles().Concat(Export.BoardBuild.CommonFiles())
            .Select(f => (f, File.ReadAllText(f))).Append(("ExportedModel.cs", modelSource)).ToList();

    /// <summary>Compiles like firmware/nanoframework-check: C# 9, NANOFRAMEWORK_1_0, nanoFramework's mscorlib as the only reference.</summary>
    private static byte[] CompileAgainstNanoFramework(IEnumerable<(string Path, string Text)> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.CSharp9, preprocessorSymbols: ["NANOFRAMEWORK_1_0"]);
        var compilation = CSharpCompilation.Create("NanoFrameworkBuild", sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)),
            [MetadataReference.CreateFromFile(Mscorlib)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Disable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
            throw new InvalidOperationException("the nanoFramework build failed:\n" + string.Join("\n", result.Diagnostics.Where(x => x.Severity == DiagnosticSeverity.Error)));
        return image.ToArray();
    }
}
