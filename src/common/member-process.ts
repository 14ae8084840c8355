/**
 * How every member process runs, shared by `fleet node start` and whatever launches members
 * (fleet init, the test and bench harnesses): the settings a unit file must copy too.
 */

/**
 * Node options every member runs with. fleet init and the test and bench harnesses put them
 * before bin/run.js, and so must a unit file.
 *
 * A young generation of 1 MiB instead of up to 16 keeps an idle member's heap small (14 MB less
 * RSS), for more frequent but cheap scavenges.
 *
 * GC helper threads stay on: with `--single-threaded-gc` (sessions 7–33) every mark-compact of a
 * large keyspace ran on the event loop, and under `etcdctl check perf --load m` the members'
 * loops were held 425–664 ms, one run in two elected a new leader, and they took 342–395
 * writes/s; without it 842–906, loops held 180–550 ms (BENCHMARKS.md, session 34). It had bought
 * a lower p99 at 16 writes in flight on 2 cores (13–19 ms against 17–21).
 */
export const MEMBER_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * Environment every member runs with.
 *
 * MALLOC_MMAP_THRESHOLD_=81920: glibc serves every allocation over 80 KiB with its own mmap,
 * returned to the system when freed, and keeps the threshold there. Left to itself glibc raises
 * it to the largest block freed (up to 32 MiB), and large buffers (images, WAL batches, big gRPC
 * frames) then leave holes in the brk heap that are never returned: 193–257 MB after 100,000
 * writes against 181–195 with the threshold pinned (BENCHMARKS.md, session 6).
 *
 * Not lower: from session 6 to 52 it was 4 KiB (152–170 MB after the fill), and every free of a
 * block between 4 and 80 KiB was a munmap. V8's compiler frees its zones (12–36 KiB) on every
 * optimisation, and HTTP/2 the 64 KiB buffer of every socket read. Each munmap of a threaded
 * process flushes the TLB of every CPU it runs on, which on this VM took a third of the members'
 * CPU (`perf`, session 53): at 4 KiB, 374 µs of members' CPU per write and 3,718 writes/s at 64
 * in flight; at 80 KiB, 243 µs and 4,752 (RSS after 100,000 writes 181 → 198 MB). A fresh
 * cluster's slow first writes were mostly this too: compilation peaks at start (BENCHMARKS.md,
 * "Session 53").
 *
 * MALLOC_ARENA_MAX=2: the main thread keeps glibc's main arena and the other threads (libuv's
 * pool, which runs the fsyncs; V8's platform thread) share one more, instead of an arena each
 * that stays partly touched: 2 MB less PSS for an idle 3-member cluster and about 11 MB less RSS
 * after a fill, with the same write rate, p99 and members' CPU per write (BENCHMARKS.md, "Memory,
 * second wave").
 *
 * fleet init and the harnesses set them; a unit file sets them with Environment=.
 */
export const MEMBER_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '81920', MALLOC_ARENA_MAX: '2' };

/**
 * V8 flags every member sets on itself at start (a unit file cannot pass them in NODE_OPTIONS,
 * which refuses most V8 flags). bin/run.js sets them before it compiles the member's bundle, and
 * the member again: V8 checks a code cache against the flags in force, so the cache a member
 * writes after setting them must find them already set when the next one compiles.
 *
 * `--heap-growing-percent=50`: with the small young generation above, writes in flight outlive
 * two scavenges and are promoted, and V8 grew the old generation up to 4× what was live: binding
 * 1,000,000 clusters left the leader at 558 MB (387 MB of heap for 150 MB live). Growing it by
 * half at most, the leader stayed at 327 MB, for a write rate about a tenth lower (more frequent
 * concurrent marking). V8 reads it at every collection.
 *
 * `--bytecode-old-age=1 --flush-baseline-code`: an idle member keeps the bytecode of what ran
 * once (flag parsing, opening storage, replay, the election) until V8 flushes it, by default
 * after five full collections and never for a function Sparkplug compiled. Flushed after one,
 * baseline code included, an idle 3-member cluster holds about 5 MB less (BENCHMARKS.md,
 * "Memory, second wave"); what runs again is compiled again, and a hot path is never old.
 */
export const MEMBER_V8_FLAGS: readonly string[] = ['--heap-growing-percent=50', '--bytecode-old-age=1', '--flush-baseline-code'];
