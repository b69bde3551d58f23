"""Summarise `perf script` output of the bridge (bench/profile): the share of CPU samples by component.

A sample's component is the first frame, from the leaf outwards, that names one, so that the kernel time of a
socket write counts for Kestrel or the HTTP client. Stacks through libc are cut short (no frame pointers), which is
why a whole-pipeline view by stage is not attempted.
"""
import collections
import re
import sys

RULES = [
    # A thread resuming after a wait: the cost of handing work between threads one event at a time.
    ("thread wake-ups (scheduler)", r"finish_task_switch|__schedule\b"),
    # Idle thread-pool workers spinning before they sleep: work arriving in small bursts.
    ("thread pool spinning", r"LowLevelSpinWaiter|sched_yield"),
    # perf cannot unwind through libc without frame pointers, so these leaves stand alone; only SQLite writes with pwrite.
    ("SQLite file I/O (pwrite, fsync, pread)", r"__libc_pwrite|\bfsync|fdatasync|__libc_pread"),
    ("JIT compiler", r"libclrjit"),
    ("SQLite (engine, Microsoft.Data.Sqlite)", r"libe_sqlite3|SQLitePCL|Microsoft\.Data\.Sqlite"),
    ("Jint (mapping runs)", r"\[Jint\]|Jint\."),
    ("logging (Serilog, console)", r"Serilog|System\.Console|ConsolePal|ConsoleStream"),
    ("file watching (config and mappings: inotify, stat)", r"FileSystem\.Watcher|FileSystemWatcher|PhysicalFilesWatcher|inotify|LStat|lxstat"),
    ("System.Text.Json", r"System\.Text\.Json"),
    ("HTTP client to ntfy (SocketsHttpHandler, Polly)", r"System\.Net\.Http|Polly"),
    ("Kestrel, sockets, ASP.NET Core", r"Kestrel|System\.Net\.Sockets|Microsoft\.AspNetCore|System\.IO\.Pipelines|__send|__libc_recv|epoll_wait"),
    ("bridge code itself", r"\[bridge\]|Bridge\."),
    ("CLR runtime (GC, allocation, casts; no symbols)", r"libcoreclr"),
]


def samples(path):
    stack = []
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line.startswith("\t") or line.startswith(" "):
            stack.append(line.strip())
    if stack:
        yield stack


comp = collections.Counter()
n = 0
for s in samples(sys.argv[1]):
    n += 1
    c = next((name for f in s for name, rx in RULES if re.search(rx, f)), "runtime, kernel, other")
    comp[c] += 1
print(f"{n} samples")
for k, v in comp.most_common():
    print(f"  {100 * v / max(n, 1):5.1f} %  {k}")
