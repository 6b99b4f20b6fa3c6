using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EdgeLangevin.Core.Tests;

/// <summary>
/// The core must compile and behave the same on .NET nanoFramework (shared/DESIGN.md):
/// integer only, no unsigned types, no generics, LINQ, lambdas, Span, stackalloc,
/// multidimensional arrays, records, tuples, nullable value types, C# 9 at most.
/// This check parses every .cs file of src/EdgeLangevin.Core and names file:line of each
/// violation, so nobody has to remember the rules.
/// </summary>
public class NanoFrameworkSubsetTests
{
    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeLangevin.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("EdgeLangevin.sln not found above " + AppContext.BaseDirectory);
    }

    private static string CoreDir => Path.Combine(RepoRoot(), "src", "EdgeLangevin.Core");

    internal static IEnumerable<string> CoreFiles() =>
        Directory.EnumerateFiles(CoreDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .OrderBy(f => f, StringComparer.Ordinal);

    private static readonly HashSet<string> ForbiddenNamespaces = ["System.Linq", "System.Collections.Generic"];
    private static readonly HashSet<string> ForbiddenTypeNames = ["Math", "MathF", "Span", "ReadOnlySpan", "Memory", "ReadOnlyMemory", "Nullable", "ValueTuple", "Tuple", "List", "Dictionary", "Random"];

    /// <summary>Every violation in <paramref name="text"/>, as "file:line: what".</summary>
    internal static List<string> Violations(string text, string file)
    {
        var found = new List<string>();
        SyntaxTree tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.CSharp9), path: file);
        void Add(SyntaxNodeOrToken at, string what) =>
            found.Add($"{file}:{at.GetLocation()!.GetLineSpan().StartLinePosition.Line + 1}: {what}");

        foreach (Diagnostic diag in tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error))
            found.Add($"{file}:{diag.Location.GetLineSpan().StartLinePosition.Line + 1}: not C# 9: {diag.GetMessage()}");
        // Some language-version checks run in the binder, not the parser: compile without
        // references (so most errors are missing types, ignored) and keep only those.
        var compilation = CSharpCompilation.Create("subset", [tree], options: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        foreach (Diagnostic diag in compilation.GetDiagnostics().Where(d => d.GetMessage().Contains("Please use language version", StringComparison.Ordinal)))
            found.Add($"{file}:{diag.Location.GetLineSpan().StartLinePosition.Line + 1}: not C# 9: {diag.GetMessage()}");

        SyntaxNode root = tree.GetRoot();
        foreach (SyntaxNode node in root.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case PredefinedTypeSyntax p when p.Keyword.Kind() is SyntaxKind.FloatKeyword or SyntaxKind.DoubleKeyword or SyntaxKind.DecimalKeyword:
                    Add(p, $"floating point type '{p}' (the core is integer only)");
                    break;
                case PredefinedTypeSyntax p when p.Keyword.Kind() is SyntaxKind.UIntKeyword or SyntaxKind.ULongKeyword:
                    Add(p, $"unsigned type '{p}' (the nanoFramework interpreter mishandles (int) casts of uint; use int with masked shifts)");
                    break;
                case IdentifierNameSyntax id when id.Identifier.Text is "nuint" or "nint" or "UInt32" or "UInt64" or "Single" or "Double" or "Decimal":
                    Add(id, $"type '{id}' is not allowed in the core");
                    break;
                case IdentifierNameSyntax id when ForbiddenTypeNames.Contains(id.Identifier.Text):
                    Add(id, $"'{id}' is not available (or not allowed) on nanoFramework");
                    break;
                case LiteralExpressionSyntax lit when lit.IsKind(SyntaxKind.NumericLiteralExpression) && lit.Token.Value is float or double or decimal:
                    Add(lit, $"floating point literal '{lit}'");
                    break;
                case LiteralExpressionSyntax lit when lit.IsKind(SyntaxKind.NumericLiteralExpression) && lit.Token.Value is uint or ulong:
                    Add(lit, $"unsigned literal '{lit}'");
                    break;
                case TypeParameterListSyntax tp:
                    Add(tp, $"generic declaration '{tp}'");
                    break;
                case GenericNameSyntax g:
                    Add(g, $"generic type or method '{g}'");
                    break;
                case QueryExpressionSyntax q:
                    Add(q, "LINQ query expression");
                    break;
                case UsingDirectiveSyntax u when u.Name is not null && ForbiddenNamespaces.Contains(u.Name.ToString()):
                    Add(u, $"'using {u.Name}' (no LINQ, no generic collections)");
                    break;
                case LambdaExpressionSyntax l:
                    Add(l, "lambda expression");
                    break;
                case AnonymousMethodExpressionSyntax a:
                    Add(a, "anonymous method");
                    break;
                case StackAllocArrayCreationExpressionSyntax or ImplicitStackAllocArrayCreationExpressionSyntax:
                    Add(node, "stackalloc");
                    break;
                case ArrayRankSpecifierSyntax r when r.Rank > 1:
                    Add(r, $"multidimensional array '{r}' (use a flat array with offsets)");
                    break;
                case RecordDeclarationSyntax rec:
                    Add(rec.Identifier, $"record '{rec.Identifier}'");
                    break;
                case TupleTypeSyntax or TupleExpressionSyntax:
                    Add(node, $"tuple '{node}'");
                    break;
                case NullableTypeSyntax n:
                    Add(n, $"nullable type '{n}'");
                    break;
                case FunctionPointerTypeSyntax or LocalFunctionStatementSyntax:
                    Add(node, "local function or function pointer (keep the core to plain methods)");
                    break;
            }
        }
        return found;
    }

    [Fact]
    public void EveryCoreFileStaysWithinTheNanoFrameworkSubset()
    {
        var files = CoreFiles().ToList();
        Assert.NotEmpty(files);
        var all = new List<string>();
        foreach (string f in files)
            all.AddRange(Violations(File.ReadAllText(f), Path.GetRelativePath(RepoRoot(), f)));
        Assert.True(all.Count == 0, "Core files outside the nanoFramework subset:\n" + string.Join("\n", all));
    }

    [Fact]
    public void EveryCoreFileIsListedInTheProjitems()
    {
        string projitems = Path.Combine(CoreDir, "EdgeLangevin.Core.projitems");
        XNamespace ns = "http://schemas.microsoft.com/developer/msbuild/2003";
        var listed = XDocument.Load(projitems).Descendants(ns + "Compile")
            .Select(e => (string)e.Attribute("Include")!)
            .Select(inc => Path.GetFullPath(Path.Combine(CoreDir, inc.Replace("$(MSBuildThisFileDirectory)", "").Replace('\\', Path.DirectorySeparatorChar))))
            .ToHashSet(StringComparer.Ordinal);
        var missing = CoreFiles().Where(f => !listed.Contains(Path.GetFullPath(f))).Select(f => Path.GetRelativePath(RepoRoot(), f)).ToList();
        Assert.True(missing.Count == 0, "Not listed in EdgeLangevin.Core.projitems (the nanoFramework build would miss them):\n" + string.Join("\n", missing));
        var stale = listed.Where(f => !File.Exists(f)).ToList();
        Assert.True(stale.Count == 0, "Listed in EdgeLangevin.Core.projitems but missing:\n" + string.Join("\n", stale));
    }

    [Theory]
    [InlineData("class C { double x; }", "floating point type")]
    [InlineData("class C { int F() { return (int)(3 * 0.5); } }", "floating point literal")]
    [InlineData("class C { long x = 1.5m > 0 ? 1 : 0; }", "floating point literal")]
    [InlineData("class C { uint x; }", "unsigned type")]
    [InlineData("class C { long x = 5UL; }", "unsigned literal")]
    [InlineData("class C { int F(int v) { return System.Math.Abs(v); } }", "'Math'")]
    [InlineData("class C<T> { }", "generic declaration")]
    [InlineData("class C { void F() { var l = new System.Collections.Generic.List<int>(); } }", "generic type")]
    [InlineData("using System.Linq; class C { }", "using System.Linq")]
    [InlineData("class C { object F(int[] a) { return from x in a select x; } }", "LINQ")]
    [InlineData("class C { System.Action F() { return () => { }; } }", "lambda")]
    [InlineData("class C { System.Action F() { return delegate { }; } }", "anonymous method")]
    [InlineData("class C { unsafe void F() { int* p = stackalloc int[4]; } }", "stackalloc")]
    [InlineData("class C { int[,] a; }", "multidimensional array")]
    [InlineData("record R(int A);", "record")]
    [InlineData("class C { (int, int) F() { return (1, 2); } }", "tuple")]
    [InlineData("class C { int? x; }", "nullable type")]
    [InlineData("class C { void F(Span x) { } }", "'Span'")]
    [InlineData("struct S { int F() { return 1; } } record struct T;", "not C# 9")]
    [InlineData("class C { void F() { var s = \"\"\"raw\"\"\"; } }", "not C# 9")]
    [InlineData("namespace N; class C { }", "not C# 9")]
    public void TheCheckCatchesAViolatingSnippet(string snippet, string expected)
    {
        List<string> v = Violations(snippet, "snippet.cs");
        Assert.Contains(v, msg => msg.Contains(expected, StringComparison.Ordinal));
        Assert.All(v, msg => Assert.StartsWith("snippet.cs:", msg));
    }

    [Fact]
    public void TheCheckAcceptsPlainIntegerCode()
    {
        const string ok = "namespace N { public sealed class C { private readonly int[] _a = new int[4]; public long F(int v) { long x = v; x = (x + (1L << 3)) >> 4; return x & 0x7FFF; } } }";
        Assert.Empty(Violations(ok, "ok.cs"));
    }
}
