using System.Globalization;

namespace SmartTerminal.DeviceHost;

/// <summary>A mistake in the command line, reported in one line (exit code 2, no stack trace).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The device host's options: what to run, how fast, from when, and what the child does.</summary>
public sealed record HostOptions(
    string BrokerHost,
    int BrokerPort,
    string DevicesFolder,
    double Speed,
    TimeSpan RunFor,
    DateTimeOffset Start,
    PlayScript? Play,
    TimeSpan StatusEvery)
{
    public const string Usage = """
        usage: SmartTerminal.DeviceHost --broker HOST:PORT --devices DIR [--speed N] [--minutes M] [--start TIME]
                                        [--play PACKAGE:MINUTES:EVERY[:watch]] [--status-seconds S]
               SmartTerminal.DeviceHost add-device --registration FILE.json --broker HOST:PORT --devices DIR
          DIR holds one folder per device with its config.bin; add-device makes one from a RegisterDevice answer.
          --speed: virtual seconds per real second (1); --minutes: virtual minutes to run (until stopped);
          --start: the devices' clock at start, e.g. 2026-12-01T16:00+08:00 (now); --play: the child opens
          PACKAGE for MINUTES every EVERY virtual minutes (":watch": watches it without touching it);
          --status-seconds: a status line per device every S real seconds (5; 0 = none).
        """;

    public static HostOptions Parse(string[] args)
    {
        var options = Arguments.Parse(args, ["--broker", "--devices", "--speed", "--minutes", "--start", "--play", "--status-seconds"]);
        var (host, port) = Arguments.Broker(options);
        var devices = Arguments.Required(options, "--devices");
        if (!Directory.Exists(devices))
        {
            throw new UsageException($"{devices} does not exist: create it and add devices with 'add-device' (or put a folder with a config.bin per device in it)");
        }

        var speed = Arguments.Number(options, "--speed", 1, min: 0.001);
        var minutes = options.TryGetValue("--minutes", out var m) ? TimeSpan.FromMinutes(Arguments.Number(options, "--minutes", 0, min: 0.01)) : TimeSpan.MaxValue;
        var start = DateTimeOffset.UtcNow;
        if (options.TryGetValue("--start", out var startText) && !DateTimeOffset.TryParse(startText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out start))
        {
            throw new UsageException($"--start '{startText}' is not a time; write it like 2026-12-01T16:00+08:00");
        }

        return new HostOptions(host, port, devices, speed, minutes, start, ParsePlay(options), TimeSpan.FromSeconds(Arguments.Number(options, "--status-seconds", 5, min: 0)));
    }

    private static PlayScript? ParsePlay(IReadOnlyDictionary<string, string> options)
    {
        if (!options.TryGetValue("--play", out var play))
        {
            return null;
        }

        var parts = play.Split(':');
        if (parts.Length is not (3 or 4) || (parts.Length == 4 && parts[3] != "watch")
            || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out var length) || !double.TryParse(parts[2], CultureInfo.InvariantCulture, out var every)
            || length <= 0 || every < length)
        {
            throw new UsageException($"--play '{play}' should be PACKAGE:MINUTES:EVERY[:watch] with 0 < MINUTES <= EVERY, e.g. com.kids.reader:20:60");
        }

        return new PlayScript(Device.Core.Hashing.Fnv1a.Hash32(parts[0]), TimeSpan.FromMinutes(length), TimeSpan.FromMinutes(every), watch: parts.Length == 4);
    }
}

/// <summary>"--name value" pairs, with every name checked against the known ones.</summary>
public static class Arguments
{
    public static IReadOnlyDictionary<string, string> Parse(string[] args, string[] known)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!known.Contains(args[i], StringComparer.Ordinal))
            {
                throw new UsageException($"unexpected argument '{args[i]}'");
            }

            if (i + 1 >= args.Length)
            {
                throw new UsageException($"{args[i]} needs a value");
            }

            values[args[i]] = args[++i];
        }

        return values;
    }

    public static string Required(IReadOnlyDictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var value) ? value : throw new UsageException($"{name} is required");

    public static (string Host, int Port) Broker(IReadOnlyDictionary<string, string> options)
    {
        var broker = Required(options, "--broker");
        var colon = broker.LastIndexOf(':');
        return colon > 0 && int.TryParse(broker[(colon + 1)..], CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? (broker[..colon], port)
            : throw new UsageException($"--broker '{broker}' should be HOST:PORT, e.g. 127.0.0.1:1883");
    }

    public static double Number(IReadOnlyDictionary<string, string> options, string name, double fallback, double min)
    {
        if (!options.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new UsageException($"{name} '{text}' should be a number of at least {min.ToString(CultureInfo.InvariantCulture)}");
    }
}
