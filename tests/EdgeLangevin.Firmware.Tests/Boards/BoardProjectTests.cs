using System.Xml.Linq;
using EdgeLangevin.Codegen.Firmware;
using EdgeLangevin.Core.Tests;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Firmware.Tests.Boards;

/// <summary>
/// The nanoFramework and Meadow projects cannot be built here (no nanoFramework.* or Meadow.*
/// packages, and a .nfproj needs Visual Studio's nanoFramework project system), so their project
/// files are checked as files: what they compile, what they reference, and that they stay out of
/// the solution.
/// </summary>
public class BoardProjectTests
{
    private static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    private static string Root => SourceTree.Root;

    private static string NanoDir => Path.Combine(Root, "firmware", "nanoframework");

    private static string NfProj => Path.Combine(NanoDir, "EdgeLangevin.Firmware.NanoFramework.nfproj");

    private static string CoreDir => Path.Combine(Root, "src", "EdgeLangevin.Core");

    /// <summary>The one exported model every board compiles (linked, not copied).</summary>
    private static string SharedModelDir => Path.Combine(Root, "firmware", "models", "exported");

    private static string SharedModelSource => Path.Combine(SharedModelDir, "ExportedModel.cs");

    /// <summary>Full paths of the Compile items of an MSBuild file (paths relative to <paramref name="baseDir"/>).</summary>
    private static List<string> Compiled(XDocument doc, XNamespace ns, string baseDir) =>
        doc.Descendants(ns + "Compile").Select(e => (string)e.Attribute("Include")!)
            .Select(inc => Path.GetFullPath(Path.Combine(baseDir, inc.Replace("$(MSBuildThisFileDirectory)", "").Replace('\\', Path.DirectorySeparatorChar))))
            .ToList();

    private static IEnumerable<string> CoreFiles() =>
        Directory.EnumerateFiles(CoreDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(CoreDir, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"));

    /// <summary>Every file the .nfproj compiles: its own Compile items plus those of every imported .projitems.</summary>
    private static HashSet<string> NanoFrameworkCompileList()
    {
        var doc = XDocument.Load(NfProj);
        var files = new HashSet<string>(Compiled(doc, MsBuild, NanoDir), StringComparer.Ordinal);
        foreach (var import in doc.Descendants(MsBuild + "Import").Select(e => (string)e.Attribute("Project")!).Where(p => p.EndsWith(".projitems", StringComparison.Ordinal)))
        {
            string projitems = Path.GetFullPath(Path.Combine(NanoDir, import.Replace('\\', Path.DirectorySeparatorChar)));
            Assert.True(File.Exists(projitems), $"the .nfproj imports {import}, which does not exist");
            files.UnionWith(Compiled(XDocument.Load(projitems), MsBuild, Path.GetDirectoryName(projitems)!));
        }
        return files;
    }

    [Fact]
    public void The_nanoframework_project_imports_the_core_projitems()
    {
        var imports = XDocument.Load(NfProj).Descendants(MsBuild + "Import").Select(e => ((string)e.Attribute("Project")!).Replace('\\', '/')).ToList();
        Assert.Contains("../../src/EdgeLangevin.Core/EdgeLangevin.Core.projitems", imports);
    }

    [Fact]
    public void Every_core_file_is_in_what_the_nanoframework_project_compiles()
    {
        var compiled = NanoFrameworkCompileList();
        var missing = CoreFiles().Where(f => !compiled.Contains(Path.GetFullPath(f))).Select(f => Path.GetRelativePath(Root, f)).ToList();
        Assert.True(missing.Count == 0, "core files the nanoFramework build would not compile (add them to EdgeLangevin.Core.projitems):\n" + string.Join("\n", missing));
        Assert.Contains(Path.Combine(CoreDir, "HardwareNoise", "NoiseHealthMonitor.cs"), compiled);
        Assert.Contains(Path.Combine(CoreDir, "LangevinSolver.cs"), compiled);
    }

    [Fact]
    public void The_nanoframework_project_compiles_the_shared_firmware_code_its_model_and_its_program_and_nothing_missing()
    {
        var compiled = NanoFrameworkCompileList();
        foreach (string common in Directory.EnumerateFiles(Path.Combine(Root, "firmware", "common"), "*.cs"))
            Assert.True(compiled.Contains(Path.GetFullPath(common)), $"firmware/common/{Path.GetFileName(common)} is not compiled by the .nfproj");
        Assert.Contains(SharedModelSource, compiled);
        Assert.Contains(Path.Combine(NanoDir, "Program.cs"), compiled);
        var absent = compiled.Where(f => !File.Exists(f)).ToList();
        Assert.True(absent.Count == 0, "compiled by the .nfproj but missing:\n" + string.Join("\n", absent));
    }

    [Fact]
    public void Every_nanoframework_reference_comes_from_a_package_in_packages_config()
    {
        var packages = XDocument.Load(Path.Combine(NanoDir, "packages.config")).Descendants("package")
            .Select(p => $"{(string)p.Attribute("id")!}.{(string)p.Attribute("version")!}").ToHashSet();
        Assert.Contains("nanoFramework.CoreLibrary.1.15.5", packages);
        Assert.Contains(packages, p => p.StartsWith("nanoFramework.System.Device.Adc.", StringComparison.Ordinal));
        var hints = XDocument.Load(NfProj).Descendants(MsBuild + "HintPath").Select(h => h.Value.Replace('\\', '/')).ToList();
        Assert.NotEmpty(hints);
        foreach (string hint in hints)
        {
            string package = hint.Split('/')[1];
            Assert.True(packages.Contains(package), $"HintPath {hint} names package {package}, which packages.config does not list");
        }
    }

    [Fact]
    public void The_firmware_readme_names_the_version_ci_compiles_against_and_the_versions_the_board_project_pins()
    {
        string central = XDocument.Load(Path.Combine(Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(p => (string?)p.Attribute("Include") == "nanoFramework.CoreLibrary").Attribute("Version")!.Value;
        var pinned = XDocument.Load(Path.Combine(NanoDir, "packages.config")).Descendants("package")
            .ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!);
        string readme = File.ReadAllText(Path.Combine(Root, "firmware", "README.md"));
        Assert.Contains($"CI compiles against nanoFramework.CoreLibrary **{central}**", readme);
        Assert.Contains($"still pins CoreLibrary **{pinned["nanoFramework.CoreLibrary"]}**", readme);
        Assert.Contains($"nanoFramework.System.Device.Adc **{pinned["nanoFramework.System.Device.Adc"]}**", readme);
    }

    [Fact]
    public void Neither_board_project_that_cannot_build_here_is_in_the_solution()
    {
        string sln = File.ReadAllText(Path.Combine(Root, "EdgeLangevin.sln"));
        Assert.DoesNotContain(".nfproj", sln);
        Assert.DoesNotContain("EdgeLangevin.Firmware.Meadow", sln);
    }

    [Fact]
    public void The_shared_firmware_code_and_the_exported_model_stay_within_the_nanoframework_subset()
    {
        // The core's own subset check (tests/EdgeLangevin.Core.Tests, linked into this project), applied to the
        // board-independent firmware code and the generated model tables that every board compiles.
        var files = Directory.EnumerateFiles(Path.Combine(Root, "firmware", "common"), "*.cs").Append(SharedModelSource).ToList();
        Assert.True(files.Count >= 7, $"expected the common files and the exported model, found {files.Count}");
        var violations = files.SelectMany(f => NanoFrameworkSubsetTests.Violations(File.ReadAllText(f), Path.GetRelativePath(Root, f))).ToList();
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Theory]
    [InlineData("iot/EdgeLangevin.Firmware.Iot/EdgeLangevin.Firmware.Iot.csproj")]
    [InlineData("meadow/EdgeLangevin.Firmware.Meadow.csproj")]
    [InlineData("nanoframework-check/EdgeLangevin.Firmware.NanoFrameworkCheck.csproj")]
    [InlineData("nanoframework/EdgeLangevin.Firmware.NanoFramework.nfproj")]
    public void Every_board_project_links_the_one_exported_model(string project)
    {
        string path = Path.Combine(Root, "firmware", project);
        var doc = XDocument.Load(path);
        var compiled = Compiled(doc, doc.Root!.Name.Namespace, Path.GetDirectoryName(path)!);
        Assert.Contains(SharedModelSource, compiled);
    }

    [Fact]
    public void No_board_folder_holds_its_own_copy_of_an_exported_model()
    {
        var copies = Directory.EnumerateFiles(Path.Combine(Root, "firmware"), "ExportedModel.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .Select(f => Path.GetRelativePath(Root, f)).ToList();
        Assert.Equal([Path.GetRelativePath(Root, SharedModelSource)], copies);
    }

    [Fact]
    public void The_committed_default_model_is_what_the_exporter_writes_today_for_the_smallest_budget()
    {
        // One copy for all three boards, exported for nanoframework: the smallest RAM budget, so it fits every board.
        // Golden files: regenerate with `edgelangevin firmware export --model firmware/models/bars8x8.json
        // --target nanoframework --out firmware/models/exported`, or set EDGELANGEVIN_UPDATE_GOLDEN=1 and run this test.
        FirmwareTarget smallest = Enum.GetValues<FirmwareTarget>().MinBy(FirmwareTargets.BudgetBytes);
        Assert.Equal(FirmwareTarget.NanoFramework, smallest);
        var model = ModelFile.Read(Path.Combine(Root, "firmware", "models", "bars8x8.json"));
        var options = new FirmwareExportOptions { Target = smallest };
        var export = FirmwareExporter.Build(model, "bars8x8", options, new Codegen.Templates.TemplateRenderer(Path.Combine(Root, "firmware", "templates")));
        if (Environment.GetEnvironmentVariable("EDGELANGEVIN_UPDATE_GOLDEN") == "1")
        {
            FirmwareExporter.Export(model, "bars8x8", options, SharedModelDir, Path.Combine(Root, "firmware", "templates"));
            return;
        }
        Assert.Equal(export.ModelSource, File.ReadAllText(SharedModelSource));
        Assert.Equal(export.GoldenJson, File.ReadAllText(Path.Combine(SharedModelDir, "golden.json")));
    }

    [Fact]
    public void The_committed_model_passes_the_boot_self_test_in_a_board_build()
    {
        // What the nanoFramework and Meadow projects compile (common code + the shared model), built here against
        // the desktop core and run: the same self-test each board runs at boot (the IoT firmware's tests run it too).
        var board = Export.BoardBuild.Compile(File.ReadAllText(SharedModelSource));
        var (passed, message) = Export.BoardBuild.RunSelfTest(board, Export.BoardBuild.CreateModel(board));
        Assert.True(passed, message);
    }
}
