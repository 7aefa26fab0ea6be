using System.Security.Cryptography;
using System.Text.Json;
using SmartTerminal.Testing;
using Wire = SmartTerminal.Contracts.Device.V1;

namespace SmartTerminal.IntegrationTests.Flasher;

/// <summary>
/// Batches as a line runs them: units from a CSV or a serial pattern, one board after another, against
/// the real PolicyService with the stand-in nanoff and a fake serial port (see <see cref="FlasherLine"/>):
/// the manifest, the labels and the sheet, a failing unit, a batch killed mid-unit and resumed, and the
/// wait for each board to be plugged in.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FlasherBatchTests : IAsyncLifetime
{
    private FlasherLine _line = null!;

    public async Task InitializeAsync() => _line = await FlasherLine.StartAsync();

    public async Task DisposeAsync() => await _line.DisposeAsync();

    private string BatchFolder => Path.Combine(_line.Work, "batch-2026-12");

    private string[] Batch(params string[] more) =>
        ["batch", "--fleet", _line.Fleet.Fleet.Id, "--out", BatchFolder, "--no-wait-replug", "--firmware-version", "1.17.0.12", "--app-version", "2.3.0", .. _line.LineOptions(more)];

    private static IReadOnlyList<JsonElement> ManifestLines(string batchFolder) =>
        [.. File.ReadAllLines(Path.Combine(batchFolder, "manifest.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)];

    private static Dictionary<string, JsonElement> LatestBySerial(string batchFolder) =>
        ManifestLines(batchFolder).GroupBy(e => e.GetProperty("serial").GetString()!).ToDictionary(g => g.Key, g => g.Last());

    [Fact]
    public async Task Twenty_units_across_three_chips_give_twenty_registered_units_a_manifest_without_secrets_twenty_labels_and_a_sheet()
    {
        var model = await _line.CreateModelAsync("KidWatch 4");
        var chips = new[] { ("ESP32_PSRAM_REV3", "ESP32", "0x1E0000"), ("ESP32_S3_QUAD", "ESP32-S3", "0x1B0000"), ("ESP32_C3", "ESP32-C3", "0x1B0000") };
        var serials = Enumerable.Range(1, 20).Select(n => $"KW4-2026-{n:D4}").ToList();
        var csv = Path.Combine(_line.Work, "units.csv");
        await File.WriteAllLinesAsync(csv, ["serial,target,model", .. serials.Select((s, i) => $"{s},{chips[i % 3].Item1},{model}")]);

        var (exitCode, output) = await _line.RunAsync(null, Batch("--units", csv));

        Assert.True(exitCode == 0, output);
        Assert.Contains($"batch {BatchFolder}: 20 done, 0 failed, 0 skipped", output, StringComparison.Ordinal);
        var registered = _line.RegisteredDevices();
        Assert.Equal(serials, registered.Select(d => d.Serial));
        var latest = LatestBySerial(BatchFolder);
        Assert.Equal(serials.Order(StringComparer.Ordinal), latest.Keys.Order(StringComparer.Ordinal));
        var imageSha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(_line.Image)));
        var manifestText = await File.ReadAllTextAsync(Path.Combine(BatchFolder, "manifest.jsonl"));
        var pairingCodes = new List<string>();
        for (var i = 0; i < serials.Count; i++)
        {
            var entry = latest[serials[i]];
            var unit = Path.Combine(BatchFolder, "units", serials[i]);
            var configBytes = await File.ReadAllBytesAsync(Path.Combine(unit, "config.bin"));
            var config = Wire.DeviceConfig.Parser.ParseFrom(configBytes);
            Assert.Equal("done", entry.GetProperty("result").GetString());
            Assert.Equal(registered.Single(d => d.Serial == serials[i]).Id, entry.GetProperty("deviceId").GetString());
            Assert.Equal((_line.Fleet.Fleet.Id, model), (entry.GetProperty("fleetId").GetString(), entry.GetProperty("modelId").GetString()));
            Assert.Equal(chips[i % 3], (entry.GetProperty("target").GetString()!, entry.GetProperty("chip").GetString()!, entry.GetProperty("deployAddress").GetString()!));
            Assert.Equal(("1.17.0.12", "2.3.0", "line-3"), (entry.GetProperty("firmwareVersion").GetString(), entry.GetProperty("appVersion").GetString(), entry.GetProperty("station").GetString()));
            Assert.Equal(imageSha, entry.GetProperty("imageSha256").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(configBytes)), entry.GetProperty("configSha256").GetString());
            Assert.True(DateTimeOffset.UtcNow - entry.GetProperty("at").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
            // No secret of the unit anywhere in the manifest.
            var pairingCode = FlasherLine.UnitJson(unit).GetProperty("PairingCode").GetString()!;
            foreach (var secret in new[] { config.MqttPassword, Convert.ToBase64String(config.PolicyKey.ToByteArray()), Convert.ToHexString(config.PolicyKey.ToByteArray()), Convert.ToBase64String(config.GuardianCodeSecret.ToByteArray()), pairingCode })
            {
                Assert.DoesNotContain(secret, manifestText, StringComparison.OrdinalIgnoreCase);
            }

            Assert.Equal(pairingCode, LabelImages.DecodeQrCodes(Path.Combine(unit, "label.pdf")).Single());
            pairingCodes.Add(pairingCode);
        }

        Assert.DoesNotContain("password", manifestText, StringComparison.OrdinalIgnoreCase);
        var label = LabelImages.Info(Path.Combine(BatchFolder, "units", serials[0], "label.pdf"));
        Assert.Equal((1, 50.0, 30.0), (label.Pages, Math.Round(label.WidthMm), Math.Round(label.HeightMm)));
        // The sheet: A4 with 3 x 9 labels of 50 x 30 mm, so one page holds all twenty.
        var sheet = Path.Combine(BatchFolder, "labels.pdf");
        var sheetInfo = LabelImages.Info(sheet);
        Assert.Equal((1, 210.0, 297.0), (sheetInfo.Pages, Math.Round(sheetInfo.WidthMm), Math.Round(sheetInfo.HeightMm)));
        Assert.Equal(pairingCodes.Order(StringComparer.Ordinal), LabelImages.DecodeQrCodes(sheet).Order(StringComparer.Ordinal));
        Assert.Equal(20 * 4, _line.NanoffCalls.Count);
    }

    [Fact]
    public async Task A_unit_failing_in_the_middle_is_reported_the_line_goes_on_and_a_rerun_finishes_only_that_unit()
    {
        var failAtThird = new Dictionary<string, string> { ["FAKE_NANOFF_FAIL"] = "SN-F-0003/deploy.json" };

        var (exitCode, output) = await _line.RunAsync(failAtThird, Batch("--count", "5", "--serial-pattern", "SN-F-{0000}"));

        Assert.Equal(5, exitCode);
        Assert.Contains($"batch {BatchFolder}: 4 done, 1 failed, 0 skipped", output, StringComparison.Ordinal);
        Assert.Contains("[SN-F-0003] failed: configuration failed: nanoff exited with 7", output, StringComparison.Ordinal);
        var latest = LatestBySerial(BatchFolder);
        Assert.Equal(["done", "done", "failed", "done", "done"], latest.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.GetProperty("result").GetString()));
        Assert.Contains("configuration failed", latest["SN-F-0003"].GetProperty("error").GetString(), StringComparison.Ordinal);
        var failedId = latest["SN-F-0003"].GetProperty("deviceId").GetString()!;
        Assert.Equal(5, _line.RegisteredDevices().Count);

        var rerun = await _line.RunAsync(null, Batch("--count", "5", "--serial-pattern", "SN-F-{0000}"));

        Assert.True(rerun.ExitCode == 0, rerun.Output);
        Assert.Contains($"batch {BatchFolder}: 1 done, 0 failed, 4 skipped", rerun.Output, StringComparison.Ordinal);
        Assert.All(LatestBySerial(BatchFolder).Values, e => Assert.Equal("done", e.GetProperty("result").GetString()));
        // The failed unit was taken up again with new keys (the same device), not registered twice.
        var devices = _line.RegisteredDevices();
        Assert.Equal(5, devices.Count);
        Assert.Equal((failedId, 2L), (devices.Single(d => d.Serial == "SN-F-0003").Id, devices.Single(d => d.Serial == "SN-F-0003").KeyId));
        Assert.Equal(5, LabelImages.DecodeQrCodes(Path.Combine(BatchFolder, "labels.pdf")).Count);
    }

    [Fact]
    public async Task A_batch_killed_in_the_middle_of_a_unit_resumes_where_it_stopped()
    {
        var hangAtFourth = new Dictionary<string, string> { ["FAKE_NANOFF_HANG"] = "SN-R-0004/deploy.json" };
        var arguments = Batch("--count", "6", "--serial-pattern", "SN-R-{0000}", "--label", "62x29");

        await using (var flasher = _line.Start(hangAtFourth, arguments))
        {
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(60), () => Task.FromResult(_line.NanoffCalls.Any(c => c.Contains("SN-R-0004/deploy.json", StringComparison.Ordinal)))), flasher.Output);
        } // killed, as a power cut or Ctrl+C-and-close would

        var beforeResume = LatestBySerial(BatchFolder);
        Assert.Equal(["done", "done", "done", "registered"], beforeResume.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.GetProperty("result").GetString()));
        var interruptedId = beforeResume["SN-R-0004"].GetProperty("deviceId").GetString()!;
        var interruptedCode = FlasherLine.UnitJson(Path.Combine(BatchFolder, "units", "SN-R-0004")).GetProperty("PairingCode").GetString()!;

        var (exitCode, output) = await _line.RunAsync(null, arguments);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"batch {BatchFolder}: 3 done, 0 failed, 3 skipped", output, StringComparison.Ordinal);
        Assert.Contains("[SN-R-0001] already done, skipped", output, StringComparison.Ordinal);
        Assert.Contains($"[SN-R-0004] rotating the keys of {interruptedId}", output, StringComparison.Ordinal);
        var devices = _line.RegisteredDevices();
        Assert.Equal(["SN-R-0001", "SN-R-0002", "SN-R-0003", "SN-R-0004", "SN-R-0005", "SN-R-0006"], devices.Select(d => d.Serial));
        Assert.Equal([1L, 1, 1, 2, 1, 1], devices.Select(d => d.KeyId));
        // The box code of the interrupted unit stands (a rotation keeps it): its label still pairs.
        var interrupted = Path.Combine(BatchFolder, "units", "SN-R-0004");
        Assert.Equal(interruptedCode, LabelImages.DecodeQrCodes(Path.Combine(interrupted, "label.pdf")).Single());
        var label = LabelImages.Info(Path.Combine(interrupted, "label.pdf"));
        Assert.Equal((62.0, 29.0), (Math.Round(label.WidthMm), Math.Round(label.HeightMm)));
        Assert.Equal(6, LabelImages.DecodeQrCodes(Path.Combine(BatchFolder, "labels.pdf")).Count);
    }

    [Fact]
    public async Task Each_board_is_waited_for_on_the_port_and_unplugged_before_the_next_and_a_board_that_never_comes_stops_the_line()
    {
        File.Delete(_line.Port);
        var arguments = Batch("--count", "2", "--serial-pattern", "SN-P-{00}").Where(a => a != "--no-wait-replug").ToArray();

        await using (var flasher = _line.Start(null, arguments))
        {
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(30), () => Task.FromResult(flasher.Output.Contains("[SN-P-01] waiting for the unit on", StringComparison.Ordinal))));
            await Task.Delay(500);
            Assert.Empty(_line.NanoffCalls);
            await File.WriteAllTextAsync(_line.Port, string.Empty); // plugged in
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(30), () => Task.FromResult(flasher.Output.Contains("[SN-P-02] unplug the unit from", StringComparison.Ordinal))), flasher.Output);
            await Task.Delay(500);
            Assert.Equal(4, _line.NanoffCalls.Count); // the next unit waits for the board to change
            File.Delete(_line.Port);
            Assert.True(await Eventually.TrueWithin(TimeSpan.FromSeconds(30), () => Task.FromResult(flasher.Output.Contains("[SN-P-02] waiting for the unit on", StringComparison.Ordinal))), flasher.Output);
            await File.WriteAllTextAsync(_line.Port, string.Empty);
            Assert.Equal(0, await flasher.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal(8, _line.NanoffCalls.Count);
        File.Delete(_line.Port);
        var (exitCode, output) = await _line.RunAsync(null, [.. Batch("--count", "3", "--serial-pattern", "SN-P-{00}", "--port-timeout", "1")]);

        Assert.Equal(5, exitCode);
        Assert.Contains("no unit on", output, StringComparison.Ordinal);
        Assert.Contains($"batch {BatchFolder}: 0 done, 1 failed, 2 skipped", output, StringComparison.Ordinal);
        Assert.Equal(2, _line.RegisteredDevices().Count);
    }

    [Fact]
    public async Task A_units_file_with_an_unknown_target_or_a_repeated_serial_is_refused_before_any_unit_is_made()
    {
        var unknown = Path.Combine(_line.Work, "unknown.csv");
        var repeated = Path.Combine(_line.Work, "repeated.csv");
        await File.WriteAllLinesAsync(unknown, ["SN-U-1,ESP32_C3", "SN-U-2,ESP32_S9"]);
        await File.WriteAllLinesAsync(repeated, ["SN-U-1", "SN-U-2", "SN-U-1"]);

        var first = await _line.RunAsync(null, Batch("--units", unknown));
        var second = await _line.RunAsync(null, Batch("--units", repeated));
        var neither = await _line.RunAsync(null, Batch());

        Assert.Equal((2, 2, 2), (first.ExitCode, second.ExitCode, neither.ExitCode));
        Assert.Contains("unknown target 'ESP32_S9'", first.Output, StringComparison.Ordinal);
        Assert.Contains("serial SN-U-1 appears 2 times", second.Output, StringComparison.Ordinal);
        Assert.Contains("give either --units FILE.csv or --count N", neither.Output, StringComparison.Ordinal);
        Assert.Empty(_line.RegisteredDevices());
        Assert.Empty(_line.NanoffCalls);
    }
}
