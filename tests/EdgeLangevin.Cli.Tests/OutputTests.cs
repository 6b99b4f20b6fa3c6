using System.Text.Json.Nodes;
using EdgeLangevin.Cli.Infrastructure;
using EdgeLangevin.Reporting;

namespace EdgeLangevin.Cli.Tests;

public class OutputTests
{
    [Fact]
    public void A_json_result_carries_its_seed_version_command_and_configuration_and_keeps_its_own_fields()
    {
        var result = new JsonObject { ["activity"] = 0.3, ["seed"] = 99 };
        JsonObject output = JsonOutput.WithProvenance("reproduce bars", 5, result, new JsonObject { ["tau_u"] = 20 });
        Assert.Equal("edgelangevin-result", (string?)output["format"]);
        Assert.Equal("reproduce bars", (string?)output["command"]);
        Assert.Equal(JsonOutput.Version, (string?)output["version"]);
        Assert.Equal(0.3, (double?)output["activity"]);
        Assert.Equal(99, (int?)output["seed"]); // the result's own value wins over the provenance default
        Assert.Equal(20, (int?)output["configuration"]!["tau_u"]);
        Assert.Matches(@"^\d+\.\d+\.\d+", JsonOutput.Version);
    }

    [Fact]
    public void Json_to_a_dash_goes_to_stdout_and_parses()
    {
        var stdout = new StringWriter();
        using (CliContext.Enter(new CliContext(stdout, new StringWriter(), arguments: ["demo", "--json", "-"])))
            Assert.Null(JsonOutput.Write(new FileInfo("-"), "demo", 3, new JsonObject { ["ok"] = true }));
        JsonNode parsed = JsonNode.Parse(stdout.ToString())!;
        Assert.Equal(3, (int?)parsed["seed"]);
        Assert.Equal("--json", (string?)parsed["arguments"]![1]);
    }

    [Fact]
    public void Json_to_a_file_replaces_it_whole()
    {
        string dir = Directory.CreateTempSubdirectory("el-json-").FullName;
        string path = Path.Combine(dir, "out.json");
        File.WriteAllText(path, "old");
        JsonOutput.Write(new FileInfo(path), "demo", 1, new JsonObject { ["n"] = 1 });
        Assert.Equal(1, (int?)JsonNode.Parse(File.ReadAllText(path))!["n"]);
        Assert.Single(Directory.GetFiles(dir));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Json_numbers_that_json_cannot_hold_become_null()
    {
        Assert.Null(JsonOutput.Number(double.NaN));
        Assert.Null(JsonOutput.Number(double.PositiveInfinity));
        Assert.Equal(1.5, (double?)JsonOutput.Number(1.5));
    }

    [Fact]
    public void A_markdown_table_escapes_pipes_and_keeps_one_line_per_row()
    {
        string md = new MarkdownReport()
            .Heading("Demo")
            .Table(["metric", "value"], [["a|b", "1\n2"]])
            .Image("plots/atoms float.png", "atoms [float]")
            .ToString();
        Assert.Equal("# Demo\n\n| metric | value |\n|---|---|\n| a\\|b | 1 2 |\n\n![atoms [float)](plots/atoms%20float.png)\n", md);
    }

    [Fact]
    public void A_markdown_table_row_with_the_wrong_number_of_cells_is_refused() =>
        Assert.Throws<ArgumentException>(() => new MarkdownReport().Table(["a", "b"], [["only one"]]));
}
