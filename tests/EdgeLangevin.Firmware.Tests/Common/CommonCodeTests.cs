namespace EdgeLangevin.Firmware.Tests.Common;

public class CommonCodeTests
{
    [Fact]
    public void The_integer_exp_of_minus_t_is_within_two_lsb_of_the_real_one()
    {
        for (long t = 0; t <= 20 * 65536; t += 997)
        {
            double expected = Math.Exp(-t / 65536.0) * 65536;
            Assert.InRange(FixedExp.ExpNegQ16(t), expected - 2, expected + 2);
        }
        Assert.Equal(65536, FixedExp.ExpNegQ16(-5));
        // pi = exp(-u0) at u0 = -ln(0.3): the status line's 0.300
        Assert.InRange(FixedExp.ExpNegQ16((long)Math.Round(-Math.Log(0.3) * 65536)) / 65536.0, 0.29998, 0.30002);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(-7L, "-7")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void Line_builder_formats_integers_like_the_invariant_culture(long value, string text)
    {
        Assert.Equal(text, new LineBuilder(64).Append(value).ToString());
    }

    [Theory]
    [InlineData(3277L, 15, 3, "0.100")]
    [InlineData(-3277L, 15, 3, "-0.100")]
    [InlineData(65536L * 511 + 39977, 16, 2, "511.61")]
    [InlineData(1L, 16, 2, "0.00")]
    [InlineData(-1L, 16, 2, "0.00")]
    public void Line_builder_prints_fixed_point_values_rounded_to_nearest(long value, int frac, int decimals, string text)
    {
        Assert.Equal(text, new LineBuilder(64).AppendFixed(value, frac, decimals).ToString());
    }

    [Fact]
    public void Line_builder_drops_text_past_its_capacity_instead_of_growing()
    {
        var line = new LineBuilder(5).Append("abcdefgh");
        Assert.Equal("abcde", line.ToString());
    }
}
