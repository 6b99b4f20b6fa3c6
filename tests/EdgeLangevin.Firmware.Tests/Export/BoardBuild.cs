using System.Reflection;
using System.Runtime.Loader;
using EdgeLangevin.Core;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EdgeLangevin.Firmware.Tests.Export;

/// <summary>
/// Compiles what a board compiles (the exported ExportedModel.cs and the shared firmware code in
/// firmware/common) with Roslyn at C# 9, nullable off, against the desktop build of the core, and
/// runs the board's boot self-test in the result.
/// </summary>
internal static class BoardBuild
{
    public static string CommonDir => Path.Combine(SourceTree.Root, "firmware", "common");

    public static IEnumerable<string> CommonFiles() => Directory.EnumerateFiles(CommonDir, "*.cs").OrderBy(f => f, StringComparer.Ordinal);

    /// <summary>The compiled assembly, or an exception listing every compiler error.</summary>
    public static Assembly Compile(string exportedModelSource)
    {
        var parse = new CSharpParseOptions(LanguageVersion.CSharp9);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(exportedModelSource, parse, path: "ExportedModel.cs") };
        trees.AddRange(CommonFiles().Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f)));
        // The base class library only (the shared framework folder), plus the core: the test host's
        // other assemblies include the IoT firmware, which compiles the same common files.
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetDirectoryName(p) == framework)
            .Select(p => MetadataReference.CreateFromFile(p)).ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(LangevinSolver).Assembly.Location));
        var compilation = CSharpCompilation.Create("Board" + Guid.NewGuid().ToString("N"), trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable,
                generalDiagnosticOption: ReportDiagnostic.Error));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
            throw new InvalidOperationException("the board build failed:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)));
        image.Position = 0;
        return new AssemblyLoadContext(null, isCollectible: true).LoadFromStream(image);
    }

    /// <summary>ExportedModel.Create() of the compiled board code (a FirmwareModel of that assembly, so used through reflection).</summary>
    public static object CreateModel(Assembly board) =>
        board.GetType("EdgeLangevin.Firmware.ExportedModel", throwOnError: true)!.GetMethod("Create")!.Invoke(null, null)!;

    /// <summary>GoldenSelfTest.Run(model) in the compiled board code: (passed, message).</summary>
    public static (bool Passed, string Message) RunSelfTest(Assembly board, object model)
    {
        object result = board.GetType("EdgeLangevin.Firmware.GoldenSelfTest", throwOnError: true)!.GetMethod("Run")!.Invoke(null, [model])!;
        return ((bool)result.GetType().GetField("Passed")!.GetValue(result)!, (string)result.GetType().GetField("Message")!.GetValue(result)!);
    }

    public static T Field<T>(object model, string name) => (T)model.GetType().GetField(name)!.GetValue(model)!;
}
