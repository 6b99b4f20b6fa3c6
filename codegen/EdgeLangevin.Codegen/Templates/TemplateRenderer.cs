using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Templates;

/// <summary>
/// The one place where Scriban templates are rendered (HDL and firmware export alike).
/// Strict: an undefined variable, a missing member or a parse error is an error that
/// names the template and the line, never an empty string in generated hardware.
/// Templates only format what the C# model prepared; no arithmetic on widths in them.
/// Output uses LF line endings and contains nothing time- or machine-dependent.
/// </summary>
public sealed class TemplateRenderer
{
    private readonly string _templateDir;

    /// <param name="templateDir">Folder holding the *.sbn files (and the files they include).</param>
    public TemplateRenderer(string templateDir)
    {
        if (!Directory.Exists(templateDir)) throw new InvalidInputException($"template folder not found: {templateDir}");
        _templateDir = Path.GetFullPath(templateDir);
    }

    public string TemplateDir => _templateDir;

    /// <summary>
    /// Renders <paramref name="templateName"/> (a path relative to the template folder) with
    /// the members of <paramref name="model"/> as globals (C# names become snake_case:
    /// DataWidth is data_width). Throws <see cref="TemplateException"/> on any error.
    /// </summary>
    public string Render(string templateName, object model)
    {
        string path = Path.Combine(_templateDir, templateName);
        if (!File.Exists(path)) throw new TemplateException(templateName, 0, "template file not found");
        string text = File.ReadAllText(path);
        Template template = Template.Parse(text, templateName);
        if (template.HasErrors)
        {
            LogMessage first = template.Messages.First(m => m.Type == ParserMessageType.Error);
            throw new TemplateException(templateName, first.Span.Start.Line + 1, first.Message);
        }

        var globals = new ScriptObject();
        globals.Import(model, renamer: StandardMemberRenamer.Default);
        var context = new TemplateContext
        {
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            EnableRelaxedTargetAccess = false,
            EnableRelaxedFunctionAccess = false,
            EnableRelaxedIndexerAccess = false,
            MemberRenamer = StandardMemberRenamer.Default,
            NewLine = "\n",
            LoopLimit = 0, // generated memories can be long; loops are bounded by the model
            TemplateLoader = new FolderLoader(_templateDir),
        };
        context.PushGlobal(globals);
        try
        {
            return template.Render(context).Replace("\r\n", "\n");
        }
        catch (ScriptRuntimeException e)
        {
            string name = string.IsNullOrEmpty(e.Span.FileName) ? templateName : e.Span.FileName;
            throw new TemplateException(name, e.Span.Start.Line + 1, e.OriginalMessage);
        }
    }

    private sealed class FolderLoader(string root) : ITemplateLoader
    {
        public string GetPath(TemplateContext context, SourceSpan callerSpan, string templateName) => Path.Combine(root, templateName);

        public string Load(TemplateContext context, SourceSpan callerSpan, string templatePath)
        {
            if (!File.Exists(templatePath)) throw new ScriptRuntimeException(callerSpan, $"included template not found: {Path.GetRelativePath(root, templatePath)}");
            return File.ReadAllText(templatePath);
        }

        public ValueTask<string?> LoadAsync(TemplateContext context, SourceSpan callerSpan, string templatePath) => new(Load(context, callerSpan, templatePath));
    }
}

/// <summary>A template that failed to parse or render: the template's name, the line (1-based) and why.</summary>
public sealed class TemplateException(string template, int line, string problem)
    : Exception($"template {template}, line {line}: {problem}")
{
    public string Template { get; } = template;
    public int Line { get; } = line;
    public string Problem { get; } = problem;
}
