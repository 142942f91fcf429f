#!/usr/bin/env python3
"""numpy side of `npm run bench`: the user's one-liner, timed.

    X = np.load(f); w = np.linalg.eigvalsh(np.cov(X, rowvar=False))

Usage: bench_numpy.py FILE EIGEN_OUT RUNS WARMUP
Runs the pipeline WARMUP + RUNS times in this process, writes the eigenvalues of the last
run (float64, descending, raw little-endian) to EIGEN_OUT and prints one JSON line with
the per-run times (seconds) of load, cov and eigvalsh, plus version and BLAS information.
"""
import json
import sys
import time

import numpy as np


def blas_info():
    """The BLAS numpy runs on and its kernel (threadpoolctl when installed, else OpenBLAS's own API)."""
    try:
        from threadpoolctl import threadpool_info  # optional
        info = [{k: v for k, v in d.items() if k in ('internal_api', 'version', 'architecture', 'num_threads', 'threading_layer')}
                for d in threadpool_info()]
        if info:
            return info
    except Exception:  # threadpoolctl not installed
        pass
    try:
        import ctypes
        import glob
        import os
        libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + '.libs', '*openblas*'))
        if not libs:
            return None
        lib = ctypes.CDLL(libs[0])
        out = {'library': os.path.basename(libs[0])}
        for key, names in (('architecture', ('scipy_openblas_get_corename64_', 'openblas_get_corename64_', 'openblas_get_corename')),
                           ('config', ('scipy_openblas_get_config64_', 'openblas_get_config64_', 'openblas_get_config'))):
            for name in names:
                f = getattr(lib, name, None)
                if f is not None:
                    f.restype = ctypes.c_char_p
                    out[key] = f().decode()
                    break
        for name in ('scipy_openblas_get_num_threads64_', 'openblas_get_num_threads64_', 'openblas_get_num_threads'):
            f = getattr(lib, name, None)
            if f is not None:
                out['num_threads'] = f()
                break
        return [out]
    except Exception:
        return None


def main():
    path, eig_out, runs, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    times = []
    w = None
    for i in range(warmup + runs):
        c0 = time.process_time()  # CPU time of all threads (OpenBLAS's included)
        t0 = time.perf_counter()
        X = np.load(path)
        t1 = time.perf_counter()
        C = np.cov(X, rowvar=False)
        t2 = time.perf_counter()
        w = np.linalg.eigvalsh(C)
        t3 = time.perf_counter()
        c1 = time.process_time()
        del X, C
        if i >= warmup:
            times.append({'load': t1 - t0, 'cov': t2 - t1, 'eig': t3 - t2, 'total': t3 - t0, 'cpu': c1 - c0})
    np.ascontiguousarray(w[::-1], dtype='<f8').tofile(eig_out)
    print(json.dumps({'numpy': np.__version__, 'python': sys.version.split()[0], 'blas': blas_info(), 'runs': times}))


if __name__ == '__main__':
    main()
