using System;
using System.Diagnostics;
using System.Threading;
using nanoFramework.Networking;
using SmartTerminal.Device.Core.Messages;
using SmartTerminal.Device.Core.Protobuf;
using SmartTerminal.Device.Core.Runtime;
using SmartTerminal.Device.Core.Storage;

namespace SmartTerminal.Firmware
{
    /// <summary>
    /// Firmware entry point: read the configuration the flasher wrote, start enforcing at once (offline
    /// first), bring up Wi-Fi and SNTP in the background, and run the device runtime once a second.
    /// The launcher and dialer UI ask <see cref="Runtime"/>.Engine for every decision, holding
    /// <see cref="EngineLock"/>: the engine is single-threaded and the main loop holds the lock for each
    /// step (a step waits for at most one MQTT acknowledgement, usually milliseconds).
    /// </summary>
    public static class Program
    {
        private const string Folder = "I:\\st";
        private const string FirmwareVersion = "1.0.0";

        // Set to 1 by the network thread once SNTP has set the RTC; the engine is single-threaded, so
        // the main loop takes the flag (Interlocked: the two threads share it) and applies the sync.
        private static int s_timeValid;

        // Reports from the UI and media threads, applied by the main loop (the engine is single-threaded):
        // 1 when the child touched the screen; playback 1 = started, 2 = stopped, 0 = no change.
        private static int s_interaction;
        private static int s_playback;

        /// <summary>Held by whoever calls the engine: the main loop for each step, the UI for each decision.</summary>
        public static readonly object EngineLock = new object();

        /// <summary>The running device, for the UI components (call its engine under <see cref="EngineLock"/>).</summary>
        public static DeviceRuntime Runtime { get; private set; }

        public static void Main()
        {
            EspClock clock = new EspClock();
            Runtime = Start(clock);
            if (Runtime == null)
            {
                // Not provisioned: without a policy nothing runs but emergency functions.
                Debug.WriteLine("SmartTerminal: no valid I:\\st\\config.bin; flash the device with the flasher");
                Thread.Sleep(Timeout.Infinite);
                return;
            }

            new Thread(BringUpNetwork).Start();
            while (true)
            {
                lock (EngineLock)
                {
                    ApplyReports(clock);
                    Runtime.Step();
                }

                Thread.Sleep(1000);
            }
        }

        // What other threads reported since the last step (Interlocked flags: they never wait for the lock).
        private static void ApplyReports(EspClock clock)
        {
            if (Interlocked.Exchange(ref s_timeValid, 0) == 1)
            {
                Runtime.Engine.ApplyTimeSync(clock.WallClockUnixMs);
            }

            if (Interlocked.Exchange(ref s_interaction, 0) == 1)
            {
                Runtime.Engine.NoteInteraction();
            }

            int playback = Interlocked.Exchange(ref s_playback, 0);
            if (playback != 0)
            {
                // Video or audio playing counts as use without touches (and stops counting so when it ends).
                Runtime.Engine.SetOngoing(playback == 1);
            }
        }

        /// <summary>The child touched or spoke to the device (callable from any thread).</summary>
        public static void ReportInteraction()
        {
            Interlocked.Exchange(ref s_interaction, 1);
        }

        /// <summary>
        /// The media player started or stopped playing for the running app (callable from any thread):
        /// while it plays, the app's time counts as use whether or not the child touches the screen.
        /// </summary>
        public static void ReportPlayback(bool playing)
        {
            Interlocked.Exchange(ref s_playback, playing ? 1 : 2);
        }

        // Apart from Main on purpose: Main's locals live as long as the device runs, and the
        // configuration file's bytes and its decoded copy each hold the initial policy (up to ~28 KB).
        // Here they become garbage as soon as the runtime is built.
        private static DeviceRuntime Start(EspClock clock)
        {
            CrashSafeStorage storage = new CrashSafeStorage(new LittleFsFileSystem(Folder));
            byte[] bytes = storage.Read("config.bin");
            DeviceConfig config;
            if (bytes == null || DeviceConfig.TryDecode(bytes, 0, bytes.Length, out config) != ProtoError.None)
            {
                return null;
            }

            M2MqttTransport transport = new M2MqttTransport(config.MqttHost, (int)config.MqttPort, config.MqttTls);
            return new DeviceRuntime(config, clock, storage, new NanoHmac(), transport, FirmwareVersion);
        }

        // Wi-Fi credentials come from the network deployment (nanoff --networkdeployment); SNTP sets the
        // RTC, and the engine takes it as a trusted anchor only once the network says the time is valid.
        private static void BringUpNetwork()
        {
            CancellationTokenSource cancel = new CancellationTokenSource(60000);
            if (WifiNetworkHelper.Reconnect(true, token: cancel.Token))
            {
                Interlocked.Exchange(ref s_timeValid, 1);
            }
        }
    }
}
