using System.Reflection;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.ProtoEnums;

namespace SmartTerminal.Device.Core.Tests.Messages;

/// <summary>
/// The .proto files are the single source of every wire number: the device core's enums are generated
/// from them (tools/protoenums), the checked-in file must be what the generator makes now, and every
/// number must equal the one Google.Protobuf generates for the service from the same files.
/// </summary>
public sealed class WireEnumsTests
{
    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SmartTerminal.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("SmartTerminal.sln not found");
        }
    }

    [Fact]
    public void The_checked_in_wire_enums_are_what_the_generator_makes_from_the_protos()
    {
        var checkedIn = File.ReadAllText(Path.Combine(Root, WireEnumsFile.RelativePath));

        Assert.True(checkedIn == WireEnumsFile.Generate(Root), $"{WireEnumsFile.RelativePath} is out of date: run dotnet run --project tools/protoenums/SmartTerminal.ProtoEnums");
    }

    public static TheoryData<string> DeviceEnums => [.. typeof(Wire).GetNestedTypes().Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(DeviceEnums))]
    public void Every_device_wire_constant_has_the_number_the_service_contracts_give_it(string name)
    {
        var device = typeof(Wire).GetNestedType(name)!.GetFields(BindingFlags.Public | BindingFlags.Static).ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        var contracts = typeof(Contracts.Device.V1.DevicePolicy).Assembly.GetType("SmartTerminal.Contracts.Device.V1." + name)!;

        Assert.Equal(Enum.GetValues(contracts).Cast<object>().ToDictionary(v => Enum.GetName(contracts, v)!, v => (int)v), device);
    }

    [Fact]
    public void The_device_enums_of_decisions_refusals_codes_and_clock_are_the_generated_ones()
    {
        Assert.Equal(Wire.DecisionReason.ClassMode, (int)Core.Enforcement.DecisionReason.ClassMode);
        Assert.Equal(Wire.PolicyRefusal.UnknownKey, (int)Core.Enforcement.PolicyRefusal.UnknownKey);
        Assert.Equal(Wire.OfflineCodeResult.NoPolicy, (int)Core.Enforcement.OfflineCodeResult.NoPolicy);
        Assert.Equal(Wire.ClockState.Stale, (int)Core.Time.ClockState.Stale);
        Assert.Equal(Enum.GetNames<Contracts.Device.V1.DecisionReason>(), Enum.GetNames<Core.Enforcement.DecisionReason>());
    }
}
