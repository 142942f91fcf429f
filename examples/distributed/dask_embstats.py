#!/usr/bin/env python3
"""Partial statistics of a sharded embedding dataset on a Dask cluster, merged into one .embstats.

The map step is `embdiag stats` on a group of shards, the reduce step is `embdiag merge` (a tree of
merges): any engine that can run a command per partition can do the same. The result is the file
`embdiag analyze OUT.embstats` reports from, identical to `embdiag analyze SHARDS...` in one process.

    python3 examples/distributed/dask_embstats.py 'data/train-*.parquet' -o train.embstats
    python3 examples/distributed/dask_embstats.py data/ -o train.embstats --scheduler tcp://10.0.0.5:8786

Without --scheduler a LocalCluster is started (--workers processes, one thread each). Every worker
must see the shards at the same paths and be able to run embdiag (--embdiag, default "npx embdiag").
Needs Debian's python3-distributed (or `pip install distributed`).
"""
import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

# The extensions embdiag reads as dumps (a folder's shards are its files with one of these).
DUMP_EXTENSIONS = ('.npy', '.npz', '.safetensors', '.fvecs', '.bvecs', '.pt', '.pth', '.bin', '.h5', '.hdf5',
                   '.parquet', '.arrow', '.feather', '.tsv', '.csv')


def natural_key(name):
    """Natural order as embdiag sorts shards: runs of digits compare as numbers (part-2 before part-10)."""
    return [(0, int(p), len(p)) if p.isdigit() else (1, p, 0) for p in re.findall(r'\d+|\D+', name)]


def expand(paths):
    """The shard files of files, folders (not recursing) and globs, each path's files in natural order."""
    out = []
    for p in paths:
        if any(c in p for c in '*?['):
            files = [f for f in glob.glob(p, recursive=True) if os.path.isfile(f)]
            if not files:
                sys.exit(f'No file matches {p}.')
        elif os.path.isdir(p):
            files = [os.path.join(p, f) for f in os.listdir(p)
                     if os.path.isfile(os.path.join(p, f)) and f.lower().endswith(DUMP_EXTENSIONS)]
            if not files:
                sys.exit(f'{p}: the folder holds no embedding dump.')
        elif os.path.isfile(p):
            files = [p]
        else:
            sys.exit(f'{p}: no such file or folder.')
        out.extend(sorted(files, key=natural_key))
    seen = set()
    return [f for f in out if not (f in seen or seen.add(f))]


def run(command):
    """Runs one embdiag command on a worker; its stdout, or an error carrying embdiag's message."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: analysed, with error findings; 2: could not analyse
        raise RuntimeError(f'{shlex.join(command)} failed ({done.returncode}): {done.stdout.strip()} {done.stderr.strip()}')
    return done.stdout


def shard_rows(embdiag, shard, array):
    """Rows of one shard: its header says it; a 2-row sample keeps the read small."""
    import json
    command = [*embdiag, 'analyze', shard, '--json', '--max-rows', '2', *(['--array', array] if array else [])]
    return json.loads(run(command))['rowsTotal']


def stats(embdiag, shards, out, first_row, seed, sample_rows, array):
    command = [*embdiag, 'stats', *shards, '-o', out, '--first-row', str(first_row), '--seed', str(seed),
               '--sample-rows', str(sample_rows), *(['--array', array] if array else [])]
    run(command)
    return out


def merge(embdiag, parts, out):
    run([*embdiag, 'merge', *parts, '-o', out])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('paths', nargs='+', help='shard files, folders or quoted globs')
    ap.add_argument('-o', '--out', required=True, help='the .embstats file to write')
    ap.add_argument('--scheduler', help='address of a running Dask scheduler (default: a LocalCluster)')
    ap.add_argument('--workers', type=int, default=2, help='LocalCluster worker processes (default 2)')
    ap.add_argument('--group-size', type=int, default=4, help='shards per "embdiag stats" task (default 4)')
    ap.add_argument('--fan-in', type=int, default=8, help='partials per "embdiag merge" task (default 8)')
    ap.add_argument('--seed', type=int, default=0, help='seed of the shared row sample (default 0)')
    ap.add_argument('--sample-rows', type=int, default=1024, help='rows in the shared row sample (default 1024)')
    ap.add_argument('--array', help='the array in each shard (default: embdiag\'s choice rule)')
    ap.add_argument('--embdiag', default='npx embdiag', help='how workers run embdiag (default "npx embdiag")')
    ap.add_argument('--work-dir', help='a folder every worker can write the partials to (default: a temporary one)')
    a = ap.parse_args()
    if not a.out.endswith('.embstats'):
        sys.exit('-o must name an .embstats file.')
    if a.group_size < 1 or a.fan_in < 2:
        sys.exit('--group-size must be at least 1 and --fan-in at least 2.')

    from distributed import Client, LocalCluster

    embdiag = shlex.split(a.embdiag)
    shards = [os.path.abspath(s) for s in expand(a.paths)]
    work = a.work_dir or tempfile.mkdtemp(prefix='embstats-')
    os.makedirs(work, exist_ok=True)
    cluster = None if a.scheduler else LocalCluster(n_workers=a.workers, threads_per_worker=1, dashboard_address=None)
    try:
        with Client(a.scheduler or cluster) as client:
            # 1. rows per shard, so each group knows the global index of its first row (the shared
            #    sample keys rows by global index: the same sample however the shards are grouped)
            rows = client.gather(client.map(shard_rows, [embdiag] * len(shards), shards, [a.array] * len(shards), pure=False))
            # 2. map: one partial per group of consecutive shards
            groups = [shards[i:i + a.group_size] for i in range(0, len(shards), a.group_size)]
            firsts, first = [], 0
            for i in range(0, len(shards), a.group_size):
                firsts.append(first)
                first += sum(rows[i:i + a.group_size])
            level = [client.submit(stats, embdiag, g, os.path.join(work, f'part-{k:05d}.embstats'), firsts[k], a.seed,
                                   a.sample_rows, a.array, pure=False) for k, g in enumerate(groups)]
            # 3. reduce: a tree of merges, fan-in partials at a time
            depth = 0
            while len(level) > 1:
                depth += 1
                level = [client.submit(merge, embdiag, level[i:i + a.fan_in], os.path.join(work, f'merge-{depth}-{i // a.fan_in:05d}.embstats'),
                                       pure=False) if len(level[i:i + a.fan_in]) > 1 else level[i]
                         for i in range(0, len(level), a.fan_in)]
            final = level[0].result()
        shutil.copyfile(final, a.out)
        print(f'{a.out}: {len(shards)} shards, {sum(rows)} rows, {len(groups)} stats tasks, {depth} merge levels')
    finally:
        if cluster is not None:
            cluster.close()
        if not a.work_dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
