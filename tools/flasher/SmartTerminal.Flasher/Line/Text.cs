using System.Globalization;

namespace SmartTerminal.Flasher.Line;

/// <summary>
/// The operator's messages in Simplified Chinese and English (<c>--lang zh-CN|en</c>; by default the
/// system's language: LANG, LC_ALL or the UI culture). Keys are the English texts' names.
/// </summary>
public sealed class Text
{
    private static readonly Dictionary<string, (string En, string Zh)> Messages = new(StringComparer.Ordinal)
    {
        ["done"] = ("done", "完成"),
        ["failed"] = ("failed", "失败"),
        ["skipped"] = ("already done, skipped", "已完成，跳过"),
        ["registering"] = ("registering {0} with the PolicyService", "正在向策略服务注册 {0}"),
        ["rotating"] = ("rotating the keys of {0}", "正在轮换 {0} 的密钥"),
        ["writing"] = ("writing the unit folder {0}", "正在写入设备目录 {0}"),
        ["step"] = ("step {0}/{1}: {2}", "步骤 {0}/{1}：{2}"),
        ["step-done"] = ("{0} ok ({1:0.0} s)", "{0} 完成（{1:0.0} 秒）"),
        ["step-failed"] = ("{0} FAILED ({1:0.0} s)", "{0} 失败（{1:0.0} 秒）"),
        ["label"] = ("label {0}", "标签 {0}"),
        ["waiting-port"] = ("waiting for the unit on {0} (plug it in)", "等待 {0} 上的设备（请接入）"),
        ["waiting-unplug"] = ("unplug the unit from {0}", "请从 {0} 拔下设备"),
        ["unit-done"] = ("{0} {1}: pairing code {2} (label {3})", "{0} {1}：配对码 {2}（标签 {3}）"),
        ["summary"] = ("batch {0}: {1} done, {2} failed, {3} skipped", "批次 {0}：完成 {1}，失败 {2}，跳过 {3}"),
        ["precondition"] = ("not ready: {0}", "未就绪：{0}"),
        ["no-nanoff"] = ("cannot run '{0}': install it with 'dotnet tool install -g nanoff' or pass --nanoff", "无法运行 '{0}'：请用 'dotnet tool install -g nanoff' 安装或指定 --nanoff"),
        ["no-port"] = ("serial port {0} not found: plug the unit in or pass the right --port", "找不到串口 {0}：请接入设备或指定正确的 --port"),
        ["no-image"] = ("application image {0} not found", "找不到应用镜像 {0}"),
        ["image-too-large"] = ("{0} has {1:N0} bytes; the deploy partition of {2} with {3} MB flash holds {4:N0}", "{0} 有 {1:N0} 字节；{2}（{3} MB 闪存）的部署分区只能容纳 {4:N0}"),
        ["unknown-target"] = ("unknown target '{0}'; known: see 'targets'", "未知目标 '{0}'；已知目标见 'targets'"),
        ["no-flash-size"] = ("{0} has no deploy partition for {1} MB flash (known: {2} MB)", "{0} 没有适用于 {1} MB 闪存的部署分区（已知：{2} MB）"),
        ["out-not-writable"] = ("cannot write to {0}: {1}", "无法写入 {0}：{1}"),
        ["service-refused"] = ("the PolicyService refused: {0}", "策略服务拒绝：{0}"),
        ["flash-failed"] = ("{0} failed: nanoff exited with {1} (see {2})", "{0} 失败：nanoff 退出码 {1}（见 {2}）"),
        ["verify-failed"] = ("verification failed: the unit does not list {0} (see {1})", "校验失败：设备未列出 {0}（见 {1}）"),
        ["rerun"] = ("the unit is registered; after fixing the cause run: flasher reprovision --device-id {0} --reason reflash ... --out {1}", "设备已注册；排除原因后运行：flasher reprovision --device-id {0} --reason reflash ... --out {1}"),
        ["dry-run"] = ("dry run: nothing registered, nothing flashed; the commands would be:", "演练：未注册、未烧录；将执行的命令："),
        ["port-timeout"] = ("no unit on {0} within {1} s", "{1} 秒内 {0} 上没有设备"),
    };

    private readonly bool _chinese;

    public Text(string? language) => _chinese = (language ?? SystemLanguage()).StartsWith("zh", StringComparison.OrdinalIgnoreCase);

    public string this[string key, params object[] args]
    {
        get
        {
            var (en, zh) = Messages[key];
            return string.Format(CultureInfo.InvariantCulture, _chinese ? zh : en, args);
        }
    }

    private static string SystemLanguage() =>
        Environment.GetEnvironmentVariable("LC_ALL") is { Length: > 0 } all ? all
        : Environment.GetEnvironmentVariable("LANG") is { Length: > 0 } lang ? lang
        : CultureInfo.CurrentUICulture.Name;
}
