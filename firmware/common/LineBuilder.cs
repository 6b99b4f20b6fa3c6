namespace EdgeLangevin.Firmware
{
    /// <summary>
    /// A fixed char buffer for the loop's status lines: formats integers and fixed-point values
    /// without allocating (int.ToString and string concatenation would allocate every window).
    /// Shared by every board: C# 9, no generics, no floating point. Text past the capacity is dropped.
    /// </summary>
    public sealed class LineBuilder
    {
        private readonly char[] _buffer;
        private readonly char[] _digits = new char[20];
        private int _length;

        public LineBuilder(int capacity)
        {
            _buffer = new char[capacity];
        }

        public char[] Buffer { get { return _buffer; } }

        public int Length { get { return _length; } }

        public LineBuilder Clear()
        {
            _length = 0;
            return this;
        }

        public LineBuilder Append(char c)
        {
            if (_length < _buffer.Length) _buffer[_length++] = c;
            return this;
        }

        public LineBuilder Append(string s)
        {
            for (int i = 0; i < s.Length; i++) Append(s[i]);
            return this;
        }

        /// <summary>Decimal digits of <paramref name="value"/> (any long, including long.MinValue).</summary>
        public LineBuilder Append(long value)
        {
            if (value < 0) Append('-');
            int n = 0;
            do
            {
                long digit = value % 10;
                if (digit < 0) digit = -digit;
                _digits[n++] = (char)('0' + digit);
                value = value / 10;
            }
            while (value != 0);
            while (n > 0) Append(_digits[--n]);
            return this;
        }

        /// <summary>
        /// A fixed-point value with <paramref name="fracBits"/> fractional bits printed with
        /// <paramref name="decimals"/> decimals (1 to 6), rounded to nearest: 3277 at 15 bits, 3 decimals is "0.100".
        /// </summary>
        public LineBuilder AppendFixed(long value, int fracBits, int decimals)
        {
            long scale = 1;
            for (int i = 0; i < decimals; i++) scale *= 10;
            bool negative = value < 0;
            long magnitude = negative ? -value : value;
            // round(|v| * 10^decimals / 2^fracBits), |v| < 2^40 keeps the product in range
            long scaled = (magnitude * scale + (fracBits > 0 ? (1L << (fracBits - 1)) : 0)) >> fracBits;
            if (negative && scaled != 0) Append('-');
            Append(scaled / scale);
            Append('.');
            long frac = scaled % scale;
            for (long div = scale / 10; div > 0; div /= 10) Append((char)('0' + (frac / div) % 10));
            return this;
        }

        /// <summary>The text so far as a string (allocates; for tests and start-up messages).</summary>
        public override string ToString()
        {
            return new string(_buffer, 0, _length);
        }
    }
}
