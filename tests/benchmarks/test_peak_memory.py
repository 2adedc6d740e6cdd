import numpy as np

from benchmarks.peak_memory import PeakMemory


def test_peak_memory_sees_a_temporary_allocation_that_is_freed_inside_the_block():
    with PeakMemory() as memory:
        block = np.ones(200 * 2**20 // 8)  # 200 MiB, touched
        del block
    assert memory.peak_mib - memory.start_mib > 150
    assert memory.as_dict()["peak_rss_mib"] == round(memory.peak_mib, 1)
