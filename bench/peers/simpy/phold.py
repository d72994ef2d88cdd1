#!/usr/bin/python3
"""PHOLD on SimPy 3, for comparison with "mimisim bench phold" (see bench/peers/README.md).

1024 logical processes (--lps), 16 initial events each (--pop); handling an event schedules one
new event at a uniformly random LP after an Exp(mean 1 s) delay (SimPy time is a float; 1.0 is one
second, as in mimisim and the ns-3 version). The run stops after --events events and prints one
line in mimisim's format with sim=simpy. --others N says how many events the other simulators ran
in the same comparison; when it is larger than --events the line says so.

Each PHOLD event is a simpy Timeout whose callback is the handler: the cheapest way to schedule
work in SimPy (a process per LP would add a generator resume per event). Run it with the system
Python (/usr/bin/python3) and Debian's python3-simpy3.
"""
import argparse
import random
import sys
import time

import simpy


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lps", type=int, default=1024)
    p.add_argument("--pop", type=int, default=16)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--others", type=int, default=0,
                   help="events the other simulators ran (only reported)")
    a = p.parse_args()
    if a.lps <= 0 or a.pop <= 0 or a.events <= 0:
        p.error("lps, pop and events must be positive")

    env = simpy.Environment()
    rng = random.Random(a.seed)
    uniform, expo = rng.random, rng.expovariate
    lps = a.lps
    count = [0] * lps
    left = [a.events]
    stop = env.event()
    timeout = env.timeout

    # Handlers, one per LP: the Timeout's value is the destination LP.
    def handle(ev):
        count[ev.value] += 1
        left[0] -= 1
        if left[0] == 0:
            stop.succeed()
            return
        t = timeout(expo(1.0), int(uniform() * lps))
        t.callbacks.append(handle)

    for i in range(lps):
        for _ in range(a.pop):
            t = timeout(expo(1.0), i)
            t.callbacks.append(handle)

    start = time.perf_counter()
    env.run(until=stop)
    wall = time.perf_counter() - start
    handled = a.events - left[0]
    assert sum(count) == handled
    note = ""
    if a.others > handled:
        note = f" note=fewer_events_than_the_others({a.others})"
    print(f"phold sim=simpy lps={lps} pop={a.pop} events={handled} wall_s={wall:.3f} "
          f"events_per_s={handled / wall:.0f}{note}")
    print(f"phold-simpy: last event at virtual {env.now:.6f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
