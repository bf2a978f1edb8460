"""KubeSpawner notices a started pod promptly: the shipped config bounds the waits between its looks at
the pod (JupyterHub's backoff grows them to 5 s, which made one student wait 5.5 s instead of 3 in the
class-start benchmark, bench/class_bench.py)."""

import asyncio
import time

from tools.plan import make_plan

from .hub_config import lay_out_hub_files, load_hub_config

SEEN_WITHIN = 0.5 + 0.15
"""POD_LOOK_SECONDS, and the event loop's own delay."""


def test_a_starting_pod_is_looked_at_at_least_twice_a_second(tmp_path):
    import kubespawner.spawner

    config_dir, secret_dir = lay_out_hub_files(make_plan("dev").kubernetes_objects(), "jupyterhub", tmp_path)
    load_hub_config(config_dir, secret_dir)
    backoff = kubespawner.spawner.exponential_backoff
    assert backoff.__name__ == "prompt_backoff"  # what KubeSpawner's start calls is the shipped one

    async def noticed_after(running_at: float) -> float:
        started = time.monotonic()
        await backoff(lambda: time.monotonic() - started >= running_at, "the pod did not start", timeout=30)
        return time.monotonic() - started

    # A loop of its own, left as it was found: asyncio.run would unset the thread's loop for good, which
    # the Pulumi SDK's mocks in later tests of this process need.
    loop = asyncio.new_event_loop()
    try:
        for running_at in (0.3, 1.5, 3.0):  # JupyterHub's waits would be up to 0.8, 3.2 and 5 s by then
            assert loop.run_until_complete(noticed_after(running_at)) <= running_at + SEEN_WITHIN
    finally:
        loop.close()
