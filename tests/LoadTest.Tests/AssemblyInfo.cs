// The cluster tests share one cluster of real processes and drive load at it: one test at a time, so a 2-core
// machine is not timing out on its own load (the unit tests are fast either way).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
