#!/usr/bin/python3
"""Part of `npm run bench`: rewrites a float32 .npy dump as a PyTorch or HDF5 file, without holding it.

Run with Debian's python3 (python3-torch, python3-h5py):

    /usr/bin/python3 scripts/bench_write_formats.py pt IN.npy OUT.pt
    /usr/bin/python3 scripts/bench_write_formats.py h5 IN.npy OUT.h5 [CHUNK_ROWS]

pt: torch.save({'embeddings': tensor}) in the zip format (torch's default), the tensor a view of a
    copy-on-write memory map of the .npy (torch writes the storage straight from it).
h5: h5py dataset '/embeddings', chunked (CHUNK_ROWS x dim, default 1,024 rows: 4 MiB chunks at
    dim 1,024), no compression, written in slices of 16,384 rows.
Prints one JSON line: {"seconds", "bytes", "maxRSS" (KiB)}.
"""
import json
import os
import resource
import sys
import time

import numpy as np


def main():
    kind, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
    t0 = time.perf_counter()
    a = np.load(src, mmap_mode='c')
    if a.dtype != np.float32 or a.ndim != 2:
        raise SystemExit(f'{src}: expected a 2-D float32 array, got {a.dtype} {a.shape}')
    if kind == 'pt':
        import torch
        torch.save({'embeddings': torch.from_numpy(a)}, out)
    elif kind == 'h5':
        import h5py
        chunk_rows = int(sys.argv[4]) if len(sys.argv) > 4 else 1024
        rows, dim = a.shape
        with h5py.File(out, 'w') as f:
            d = f.create_dataset('embeddings', shape=a.shape, dtype='<f4', chunks=(min(rows, chunk_rows), dim))
            step = 16384
            for i in range(0, rows, step):
                d[i:i + step] = a[i:i + step]
    else:
        raise SystemExit(f'unknown format {kind} (pt, h5)')
    del a
    print(json.dumps({'seconds': time.perf_counter() - t0, 'bytes': os.path.getsize(out),
                      'maxRSS': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == '__main__':
    main()
