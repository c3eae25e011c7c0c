"""The optimizer's effect on the benchmark tasks: generated statements and time per call with
`optimize=True` (the default) and `optimize=False`.

    python -m benchmarks.optimizer_effect
"""

import timeit


import srcad

from . import tasks


def statements(text):
    """Lines of generated code that do something (no comments, headers or blank lines)."""
    return sum(1 for line in text.splitlines()
               if line.strip() and not line.strip().startswith(("#", "def ")))


def per_call(fn, args, seconds=0.2):
    number = max(1, int(seconds / max(timeit.timeit(lambda: fn(*args), number=1), 1e-7)))
    return min(timeit.repeat(lambda: fn(*args), number=number, repeat=5)) / number


def main():
    print(f"{'task':6} {'statements on/off':>18} {'time on (us)':>13} {'time off (us)':>14} "
          f"{'off/on':>7}")
    for task in tasks.all_tasks():
        args = task.args()
        row = []
        for optimize in (True, False):
            g = srcad.grad(task.loss, wrt=task.wrt, optimize=optimize)
            g(*args)
            row.append((statements(srcad.source(g, *args)), per_call(g, args) * 1e6))
        (n_on, t_on), (n_off, t_off) = row
        print(f"{task.name:6} {n_on:>8} / {n_off:<8} {t_on:13.1f} {t_off:14.1f} "
              f"{t_off / t_on:7.2f}")


if __name__ == "__main__":
    main()
