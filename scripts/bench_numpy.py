#!/usr/bin/env python3
"""numpy and PyTorch sides of `npm run bench`: the user's one-liner, timed.

    numpy:  X = np.load(f); w = np.linalg.eigvalsh(np.cov(X, rowvar=False))
    torch:  X = np.load(f); w = torch.linalg.eigvalsh(torch.cov(torch.from_numpy(X).T))   (float32)

Usage: bench_numpy.py FILE EIGEN_OUT RUNS WARMUP [numpy|torch]
Runs the pipeline WARMUP + RUNS times in this process, writes the eigenvalues of the last
run (float64, descending, raw little-endian) to EIGEN_OUT and prints one JSON line with
the per-run times (seconds) of load, cov and eigvalsh, plus version and BLAS information.
torch runs on as many threads as the machine has cores (os.cpu_count(); torch's own default
can be lower).
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
    import glob
    import os
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + '.libs', '*openblas*'))
    return [openblas_info(libs[0])] if libs else None


def loaded_openblas_info():
    """The OpenBLAS this process has loaded (torch's: Debian links the system one), from /proc/self/maps."""
    try:
        with open('/proc/self/maps') as maps:
            paths = sorted({line.split()[-1] for line in maps if 'openblas' in line.split()[-1]})
    except OSError:  # not Linux
        return None
    return openblas_info(paths[-1]) if paths else None


def openblas_info(path):
    """An OpenBLAS library's kernel (core name), build configuration and thread count, through its own API."""
    try:
        import ctypes
        import os
        lib = ctypes.CDLL(path)
        out = {'library': os.path.basename(path)}
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
        return out
    except Exception:  # not OpenBLAS after all, or no such symbols: print without it
        return None


def numpy_pipeline():
    """np.cov + eigvalsh on the loaded array, and what to print about numpy."""
    def cov_eig(X):
        C = np.cov(X, rowvar=False)
        return C, lambda: np.linalg.eigvalsh(C)
    return cov_eig, {'numpy': np.__version__, 'blas': blas_info()}


def torch_pipeline():
    """torch.cov + torch.linalg.eigvalsh in float32 (as an ML engineer writes it), on every core."""
    import os
    import torch
    torch.set_num_threads(os.cpu_count() or 1)

    def cov_eig(X):
        C = torch.cov(torch.from_numpy(X).T)
        return C, lambda: torch.linalg.eigvalsh(C).numpy()
    info = {'torch': torch.__version__, 'numpy': np.__version__, 'threads': torch.get_num_threads(), 'dtype': 'float32'}
    try:  # what torch's kernels use here: its CPU capability and the BLAS/LAPACK it was built with
        import re
        shown = torch.__config__.show()
        info['config'] = ', '.join(m.group(0).strip() for m in re.finditer(r'CPU capability usage: \w+|(?:BLAS|LAPACK)_INFO=\w+', shown))
    except Exception:  # torch.__config__ missing: print without it
        pass
    # torch's matrix product runs in the BLAS it links, on that library's own threads
    info['blas'] = loaded_openblas_info()
    return cov_eig, info


def main():
    path, eig_out, runs, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    which = sys.argv[5] if len(sys.argv) > 5 else 'numpy'
    cov_eig, info = torch_pipeline() if which == 'torch' else numpy_pipeline()
    times = []
    w = None
    for i in range(warmup + runs):
        c0 = time.process_time()  # CPU time of all threads (OpenBLAS's included)
        t0 = time.perf_counter()
        X = np.load(path)
        t1 = time.perf_counter()
        C, eigvalsh = cov_eig(X)
        t2 = time.perf_counter()
        w = eigvalsh()
        t3 = time.perf_counter()
        c1 = time.process_time()
        del X, C
        if i >= warmup:
            times.append({'load': t1 - t0, 'cov': t2 - t1, 'eig': t3 - t2, 'total': t3 - t0, 'cpu': c1 - c0})
    np.ascontiguousarray(w[::-1], dtype='<f8').tofile(eig_out)
    print(json.dumps({**info, 'python': sys.version.split()[0], 'runs': times}))


if __name__ == '__main__':
    main()
