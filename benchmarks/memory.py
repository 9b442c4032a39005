"""Peak memory of the running process, shared by the benchmarks (run as scripts, so imported as ``memory``)."""

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM of its own address space).

    Not getrusage's ru_maxrss: Linux carries into it the parent's peak when the parent
    (here, a process holding the benchmark's results) forked or vforked this one.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
