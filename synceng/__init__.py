"""The ``synceng`` command: the engine's, the testbed's and the benchmarks' commands in one group."""
