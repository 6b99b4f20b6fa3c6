using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>The iCEBreaker top and its UART protocol, in simulation (no board needed).</summary>
public sealed class BoardTests
{
    [Fact]
    public void The_board_top_loads_runs_and_answers_over_its_UART_with_the_cores_codes_and_states()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, seed: 21);
        const int steps = 40;
        VectorSet v = TestVectors.Generate(p.Model, p.Parameters.Format, p.Config.Inference, steps, 21);
        byte[] host = BoardProtocol.LoadDictionary(p.Parameters.DictionaryRowMajor)
            .Concat(BoardProtocol.LoadX(v.X)).Concat(BoardProtocol.LoadU(v.UInit))
            .Concat(BoardProtocol.Seed(v.GeneratorSeed)).Concat(BoardProtocol.Run(steps)).ToArray();
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        byte[] reply = verifier.SimulateBoard(verifier.Sources(p.Datapath), host, 5 + BoardProtocol.ReplyBytes(16));
        Assert.Equal("axusr"u8.ToArray(), reply[..5]);
        var (codes, states) = BoardProtocol.ParseReply(reply.AsSpan(5), 16);
        int last = (steps - 1) * 16;
        Assert.Equal(v.U.Skip(last).Take(16).ToArray(), states);
        Assert.Equal(v.S.Skip(last).Take(16).Select(s => (int)s).ToArray(), codes);
        Assert.Contains(codes, c => c != 0);   // some unit is active, so codes are really compared
    }

    [Fact]
    public void An_unknown_command_byte_is_answered_with_a_question_mark()
    {
        HdlTestConfigs.RequireTools("iverilog");
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, seed: 21);
        var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
        byte[] reply = verifier.SimulateBoard(verifier.Sources(p.Datapath), "z"u8.ToArray(), 1);
        Assert.Equal((byte)'?', reply[0]);
    }

    [Fact]
    public void Protocol_words_are_little_endian_twos_complement()
    {
        Assert.Equal(new byte[] { (byte)'A', 0xfe, 0xff, 0x34, 0x12 }, BoardProtocol.LoadDictionary([-2, 0x1234]));
        Assert.Equal(new byte[] { (byte)'X', 0x01, 0x00, 0x00, 0x80 }, BoardProtocol.LoadX([unchecked((int)0x80000001)]));
        Assert.Equal(new byte[] { (byte)'R', 0xe8, 0x03 }, BoardProtocol.Run(1000));
        byte[] reply = [0xff, 0xff, 0xff, 0xff, 0x05, 0x00, 0x00, 0x00];
        var (codes, states) = BoardProtocol.ParseReply(reply, 1);
        Assert.Equal(-1, codes[0]);
        Assert.Equal(5, states[0]);
    }

    [Fact]
    public void A_run_needs_1_to_65535_steps()
    {
        Assert.Throws<EdgeLangevin.Reference.Io.InvalidInputException>(() => BoardProtocol.Run(0));
        Assert.Throws<EdgeLangevin.Reference.Io.InvalidInputException>(() => BoardProtocol.Run(65536));
    }
}
