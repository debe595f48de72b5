// Each test class runs a whole cluster of real processes (3 Azurite, silos, a gateway) and several crash or stop
// them on purpose: run one class at a time, so a 2-core machine is not timing out on its own load.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
