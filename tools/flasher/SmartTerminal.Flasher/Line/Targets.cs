using System.Globalization;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// A nanoFramework ESP32 target as the flasher needs it: its chip, where the managed application goes
/// (the "deploy" partition) and how large that partition is for each flash size.
/// </summary>
public sealed record ChipTarget(string Name, string Chip, int DeployAddress, IReadOnlyDictionary<int, int> DeployBytesByFlashMb)
{
    public string Address => "0x" + DeployAddress.ToString("X6", CultureInfo.InvariantCulture);

    public int? DeployBytes(int flashMb) => DeployBytesByFlashMb.TryGetValue(flashMb, out var bytes) ? bytes : null;
}

/// <summary>
/// The targets the flasher knows. The addresses and sizes are the "deploy" data partition (subtype 0x84)
/// of nanoFramework's own partition tables, nf-interpreter targets/ESP32/_IDF/&lt;chip&gt;/partitions_nanoclr_&lt;N&gt;mb.csv
/// at commit a3e8139 (2026-07, firmware 1.17): the firmware looks its deployment region up by that subtype,
/// so the address must match the table flashed with it. nanoff's own default (0x1B0000, Esp32Firmware.cs)
/// lies inside the nanoCLR partition of a classic ESP32, and nanoff ignores --address together with
/// --update, so the flasher deploys the application in a step of its own with this address. The classic
/// ESP32's deploy partition moved with the firmware (0x1B0000 before 1.9.1, 0x1C0000 until 1.14.0): flash
/// these addresses only with firmware 1.14 or later (the flasher's firmware step installs the current one).
/// ESP32-H2 is left out on purpose: its 4 MB table marks the config partition spiffs, not littlefs, so the
/// I: drive the unit's configuration lives on would not be found.
/// </summary>
public static class Targets
{
    private static readonly IReadOnlyDictionary<int, int> Esp32 = new Dictionary<int, int> { [2] = 0x10000, [4] = 0x1C0000, [8] = 0x2B0000, [16] = 0x2B0000 };
    private static readonly IReadOnlyDictionary<int, int> Esp32S = new Dictionary<int, int> { [4] = 0x1F0000, [8] = 0x2E0000, [16] = 0x2E0000, [32] = 0x2E0000 };
    private static readonly IReadOnlyDictionary<int, int> Esp32C3 = new Dictionary<int, int> { [2] = 0x40000, [4] = 0x1F0000, [8] = 0x1F0000, [16] = 0x1F0000 };
    private static readonly IReadOnlyDictionary<int, int> Esp32C6 = new Dictionary<int, int> { [4] = 0x170000, [8] = 0x240000, [16] = 0x240000 };

    public static IReadOnlyList<ChipTarget> All { get; } =
    [
        .. new[]
        {
            "ESP32_REV0", "ESP32_REV3", "ESP32_PSRAM_REV0", "ESP32_PSRAM_REV3", "ESP32_PSRAM_REV3_IPV6", "ESP32_BLE_REV0", "ESP32_BLE_REV3",
            "ESP32_PSRAM_XTAL26_REV0", "ESP32_PSRAM_BLE_GenericGraphic_REV3", "ESP32_GenericDisplay_REV0", "ESP_WROVER_KIT", "ESP32_PICO",
            "ESP32_ETHERNET_KIT_1.2", "ESP32_OLIMEX", "ESP32_OLIMEX_WROVER", "ESP32_WT32_ETH01", "ESP32_WESP32", "ESP32_LILYGO",
            "M5Core", "M5StickC", "M5StickCPlus", "M5Core2",
        }.Select(name => new ChipTarget(name, "ESP32", 0x1E0000, Esp32)),
        new ChipTarget("ESP32_S2", "ESP32-S2", 0x1B0000, Esp32S),
        new ChipTarget("ESP32_S3_QUAD", "ESP32-S3", 0x1B0000, Esp32S),
        new ChipTarget("ESP32_S3_OCTAL", "ESP32-S3", 0x1B0000, Esp32S),
        new ChipTarget("AtomS3", "ESP32-S3", 0x1B0000, Esp32S),
        new ChipTarget("ESP32_C3", "ESP32-C3", 0x1B0000, Esp32C3),
        new ChipTarget("ESP32_C3_BETA", "ESP32-C3", 0x1B0000, Esp32C3),
        new ChipTarget("ESP32_C5_THREAD", "ESP32-C5", 0x250000, Esp32C6),
        new ChipTarget("ESP32_C6_THREAD", "ESP32-C6", 0x250000, Esp32C6),
        new ChipTarget("ESP32_C61", "ESP32-C61", 0x250000, Esp32C6),
        new ChipTarget("ESP32_P4", "ESP32-P4", 0x1B0000, Esp32S),
        new ChipTarget("ESP32_P4_REV_LESS3", "ESP32-P4", 0x1B0000, Esp32S),
    ];

    public static ChipTarget? Find(string name) => All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));
}
