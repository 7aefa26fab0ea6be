using System.Globalization;
using System.Text;

namespace SmartTerminal.PolicyService.Telemetry;

/// <summary>
/// Writes InfluxDB line protocol directly into one buffer (measurement, tags in key order, fields,
/// nanosecond timestamp): the same text InfluxDB.Client's <c>PointData</c> produces, without an
/// immutable builder copied on every tag and field. Escaping follows the line protocol reference; a
/// line break inside a string field is written as <c>\n</c>, so device text can never start a line
/// of its own (a point in another device's series).
/// </summary>
public sealed class LineProtocol
{
    private readonly StringBuilder _text = new();
    private bool _firstField;

    public int Count { get; private set; }

    public bool IsEmpty => Count == 0;

    public LineProtocol Point(string measurement)
    {
        if (Count > 0)
        {
            _text.Append('\n');
        }

        Count++;
        Escape(measurement, commas: true, equals: false);
        _firstField = true;
        return this;
    }

    /// <summary>A tag; call in key order (InfluxDB sorts them otherwise, at a cost).</summary>
    public LineProtocol Tag(string key, string value)
    {
        _text.Append(',');
        Escape(key, commas: true, equals: true);
        _text.Append('=');
        Escape(value, commas: true, equals: true);
        _firstField = true;
        return this;
    }

    public LineProtocol Field(string key, long value)
    {
        FieldKey(key);
        _text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('i');
        return this;
    }

    public LineProtocol Field(string key, string value)
    {
        FieldKey(key);
        _text.Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => _text.Append("\\\""),
                '\\' => _text.Append("\\\\"),
                '\n' => _text.Append("\\n"),
                '\r' => _text.Append("\\r"),
                _ => _text.Append(c),
            };
        }

        _text.Append('"');
        return this;
    }

    public LineProtocol Timestamp(long unixNanoseconds)
    {
        _text.Append(' ').Append(unixNanoseconds.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public override string ToString() => _text.ToString();

    private void FieldKey(string key)
    {
        _text.Append(_firstField ? ' ' : ',');
        _firstField = false;
        Escape(key, commas: true, equals: true);
        _text.Append('=');
    }

    private void Escape(string value, bool commas, bool equals)
    {
        foreach (var c in value)
        {
            if (c == ' ' || (commas && c == ',') || (equals && c == '='))
            {
                _text.Append('\\');
            }

            _text.Append(c is '\n' or '\r' ? ' ' : c);
        }
    }
}
