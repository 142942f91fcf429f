"""A toy training script that loads the saved embeddings in runs/.

Open this folder in VS Code with Embedding Diagnostics: hover over a quoted path to see a
short report, and look at the Problems panel for findings (NaN rows, collapse, a missing file).
"""
import numpy as np

emb = np.load("runs/emb.npy")                  # healthy: power-law spectrum
collapsed = np.load("runs/collapsed.npy")      # variance in ~3 directions: a collapsed representation
noisy = np.load("runs/with_nan.npy")           # NaN rows, all-zero rows, duplicated rows

ckpt = np.load("runs/checkpoints.npz")         # compressed archive with 'embeddings' and 'labels'
features, labels = ckpt["embeddings"], ckpt["labels"]

try:
    from safetensors.numpy import load_file
    weights = load_file("runs/model.safetensors")   # 'embeddings' (float16) and 'proj.weight'
except ImportError:
    weights = None

vectors = np.fromfile("runs/vectors.fvecs", dtype=np.float32).reshape(-1, 25)[:, 1:]
projector = np.loadtxt("runs/projector/tensors.tsv", delimiter="\t")

# This file was never written: the extension reports the path as missing.
previous = np.load("runs/missing.npy")

print(emb.shape, collapsed.shape, noisy.shape, features.shape, labels.shape, vectors.shape, projector.shape)
