using System;
using System.Diagnostics;
using System.Threading;
using nanoFramework.Networking;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using SmartTerminal.Device.Core.Runtime;

namespace SmartTerminal.Firmware
{
    /// <summary>
    /// Firmware entry point: read the configuration the flasher wrote, start enforcing at once (offline
    /// first), bring up Wi-Fi and SNTP in the background, and run the device runtime once a second.
    /// The launcher and dialer UI call <see cref="Runtime"/>.Engine for every decision.
    /// </summary>
    public static class Program
    {
        private const string Folder = "I:\\st";
        private const string FirmwareVersion = "1.0.0";

        // Set by the network thread; the engine is single-threaded, so the main loop applies the sync.
        private static bool s_timeValid;

        /// <summary>The running device, for the UI components.</summary>
        public static DeviceRuntime Runtime { get; private set; }

        public static void Main()
        {
            LittleFsStorage storage = new LittleFsStorage(Folder);
            byte[] bytes = storage.Read("config.bin");
            DeviceConfig config;
            if (bytes == null || DeviceConfig.TryDecode(bytes, 0, bytes.Length, out config) != ProtoError.None)
            {
                // Not provisioned: without a policy nothing runs but emergency functions.
                Debug.WriteLine("SmartTerminal: no valid I:\\st\\config.bin; flash the device with the flasher");
                Thread.Sleep(Timeout.Infinite);
                return;
            }

            EspClock clock = new EspClock();
            M2MqttTransport transport = new M2MqttTransport(config.MqttHost, (int)config.MqttPort, config.MqttTls);
            Runtime = new DeviceRuntime(config, clock, storage, new NanoHmac(), transport, FirmwareVersion);
            new Thread(BringUpNetwork).Start();
            while (true)
            {
                if (s_timeValid)
                {
                    s_timeValid = false;
                    Runtime.Engine.ApplyTimeSync(clock.WallClockUnixMs);
                }

                Runtime.Step();
                Thread.Sleep(1000);
            }
        }

        // Wi-Fi credentials come from the network deployment (nanoff --networkdeployment); SNTP sets the
        // RTC, and the engine takes it as a trusted anchor only once the network says the time is valid.
        private static void BringUpNetwork()
        {
            CancellationTokenSource cancel = new CancellationTokenSource(60000);
            if (WifiNetworkHelper.Reconnect(true, token: cancel.Token))
            {
                s_timeValid = true;
            }
        }
    }
}
