namespace SmartTerminal.IntegrationTests.ScaleOut;

/// <summary>
/// Tests that stop an engine under several replicas (PostgreSQL crashed, InfluxDB stopped, the broker
/// killed) and then wait for the cluster to heal: run one at a time and not beside other test classes,
/// so their waits measure recovery, not a machine shared with a dozen other services.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineFailureCollection
{
    public const string Name = "Engine failures under replicas";
}
