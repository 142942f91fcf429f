#!/usr/bin/env python3
"""Writes the example workspace (examples/workspace/runs/) used by `npm start` and the end-to-end tests.

Deterministic: fixed seeds, so re-running produces identical files. The .npz entries carry no clock
time: np.savez_compressed writes each through ZipFile.open(name, 'w'), which stamps 1980-01-01 00:00
whatever the clock says. Its calls still run inside pinned_clock (test/fixtures/pinned_clock.py) as a
guard: older numpy zipped each entry from a temporary file, stamped with its modification time through
zipfile's clock. Run from anywhere:
    python3 examples/make_examples.py
"""
import json
import os
import struct
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'test', 'fixtures'))
from pinned_clock import pinned_clock  # noqa: E402

WORKSPACE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'workspace')
RUNS = os.path.join(WORKSPACE, 'runs')


def random_rotation(rng, dim):
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def with_spectrum(rng, rows, eigenvalues):
    """Rows whose covariance has (about) the given eigenvalues, in random directions."""
    dim = len(eigenvalues)
    z = rng.normal(size=(rows, dim)) * np.sqrt(eigenvalues)
    return z @ random_rotation(rng, dim).T


def savez_compressed_pinned(path, **arrays):
    with pinned_clock(zipfile):
        np.savez_compressed(path, **arrays)


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {'__metadata__': metadata}, 0, []
    for name, dtype, array in tensors:
        raw = array.tobytes()
        header[name] = {'dtype': dtype, 'shape': list(array.shape), 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def write_encoder_run(runs):
    """An encoder's embeddings with the companions of the information analysis: the embeddings of
    noisy copies of the same inputs, regression targets, a linear head's predictions, the inputs,
    and the sidecar manifest naming them (plus a planned autoencoder for the regime checks)."""
    rng = np.random.default_rng(11)
    rows, pixels, factors, dim = 2000, 64, 12, 32
    # 8 x 8 grey "images" (uint8) driven by 12 latent factors of decreasing strength
    sources = rng.normal(size=(rows, factors)) / np.arange(1, factors + 1) ** 0.4
    mixing = rng.normal(size=(factors, pixels)) / np.sqrt(factors)
    inputs = np.clip(np.rint(128 + 40 * sources @ mixing), 0, 255).astype(np.uint8)
    noise_std = 8.0  # pixel units: the perturbed copies are the same images with this much Gaussian noise
    noisy = inputs + rng.normal(scale=noise_std, size=inputs.shape)
    weights = rng.normal(size=(pixels, dim)) / np.sqrt(pixels)

    def encode(x):
        return np.tanh((np.asarray(x, np.float64) - 128) / 40 @ weights)

    emb = encode(inputs).astype(np.float32)
    emb_noisy = encode(noisy).astype(np.float32)
    targets = (sources[:, :4] @ rng.normal(size=(4, 4)) + 0.05 * rng.normal(size=(rows, 4))).astype(np.float32)
    design = np.hstack([emb, np.ones((rows, 1), np.float32)]).astype(np.float64)
    head, *_ = np.linalg.lstsq(design, targets.astype(np.float64), rcond=None)
    predictions = (design @ head).astype(np.float32)
    for name, array in [('encoder.npy', emb), ('encoder_noisy.npy', emb_noisy), ('targets.npy', targets),
                        ('predictions.npy', predictions), ('inputs.npy', inputs)]:
        np.save(os.path.join(runs, name), array)
    manifest = {
        'version': 1,
        'description': 'encoder.npy: embeddings of 2,000 8x8 images (inputs.npy); encoder_noisy.npy: of the same '
                       'images with Gaussian pixel noise of std 8; targets.npy: 4 regression targets; '
                       'predictions.npy: a linear head on the embeddings. Written by examples/make_examples.py.',
        'perturbed': 'encoder_noisy.npy',
        'targets': 'targets.npy',
        'predictions': 'predictions.npy',
        'inputs': 'inputs.npy',
        'inputSymbols': pixels,
        'noiseStd': noise_std,
        'autoencoder': {'latentWidth': 8, 'init': 'torch-linear-default', 'learningRate': 0.05, 'steps': 400},
    }
    with open(os.path.join(runs, 'encoder.embeddings.json'), 'w') as f:
        f.write(json.dumps(manifest, indent=2) + '\n')


SHARD_ROWS = (400, 400, 300)  # a shorter last shard, as a sharded writer leaves it


def write_shards(folder):
    """A dataset of three .npy shards (Analyze Folder as Dataset), named the way sharded writers
    name them; the middle shard has 4 rows with NaN and 3 copies of earlier rows of its own."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(23)  # its own stream: the other example files stay as they were
    count = len(SHARD_ROWS)
    for index, rows in enumerate(SHARD_ROWS):
        shard = with_spectrum(rng, rows, 1.0 / np.arange(1, 33)).astype(np.float32)
        if index == 1:
            shard[[17, 89, 203, 311], 5] = np.nan
            for src, dst in [(3, 150), (4, 151), (9, 377)]:
                shard[dst] = shard[src]
        np.save(os.path.join(folder, f'emb-{index:05d}-of-{count:05d}.npy'), shard)


CLASSES = ('airplane', 'bird', 'car', 'cat', 'ship', 'truck')


def write_labelled(path):
    """Embeddings of six classes with a label and a caption per row (the projection coloured by
    label, the row view's metadata): each class a cloud around its own centre."""
    rng = np.random.default_rng(31)  # its own stream: the other example files stay as they were
    rows, dim = 1200, 48
    centres = rng.normal(size=(len(CLASSES), dim)) * 1.6
    label_index = rng.integers(0, len(CLASSES), rows)
    emb = (centres[label_index] + with_spectrum(rng, rows, 1.0 / np.arange(1, dim + 1) ** 0.5)).astype(np.float32)
    labels = np.array([CLASSES[i] for i in label_index])
    text = np.array([f'a photo of a {CLASSES[i]}, image {k:04d}' for k, i in enumerate(label_index)])
    savez_compressed_pinned(path, embeddings=emb, labels=labels, text=text)


def main():
    os.makedirs(os.path.join(RUNS, 'projector'), exist_ok=True)
    rng = np.random.default_rng(7)

    # Healthy: a power-law spectrum (eigenvalue k ~ k^-1), like a trained encoder's.
    emb = with_spectrum(rng, 2000, 1.0 / np.arange(1, 65)).astype(np.float32)
    np.save(os.path.join(RUNS, 'emb.npy'), emb)

    # Collapsed: nearly all variance in 3 directions, the rest is faint noise.
    spectrum = np.full(64, 1e-4)
    spectrum[:3] = [4.0, 2.0, 1.0]
    collapsed = (with_spectrum(rng, 1000, spectrum) + 0.5).astype(np.float32)
    np.save(os.path.join(RUNS, 'collapsed.npy'), collapsed)

    # Unhealthy rows: 7 with NaN, 3 all zero, 5 copies of earlier rows.
    bad = rng.normal(size=(500, 32)).astype(np.float32)
    nan_rows = [11, 42, 97, 150, 233, 301, 478]
    for i, r in enumerate(nan_rows):
        if i % 2:
            bad[r, :] = np.nan
        else:
            bad[r, (r * 7) % 32] = np.nan
    for r in [60, 61, 399]:
        bad[r] = 0.0
    for src, dst in [(1, 120), (2, 121), (3, 250), (4, 251), (5, 490)]:
        bad[dst] = bad[src]
    np.save(os.path.join(RUNS, 'with_nan.npy'), bad)

    ckpt = with_spectrum(rng, 1000, 1.0 / np.arange(1, 49) ** 0.7).astype(np.float32)
    labels = rng.integers(0, 10, 1000).astype(np.int64)
    savez_compressed_pinned(os.path.join(RUNS, 'checkpoints.npz'), embeddings=ckpt, labels=labels)

    model_emb = with_spectrum(rng, 800, 1.0 / np.arange(1, 33) ** 1.5).astype('<f2')
    proj = (random_rotation(rng, 32) * 0.1).astype('<f4')
    write_safetensors(os.path.join(RUNS, 'model.safetensors'),
                      [('embeddings', 'F16', model_emb), ('proj.weight', 'F32', proj)],
                      {'format': 'np', 'model': 'example-encoder', 'step': '12000'})

    words = [f'word_{i:03d}' for i in range(300)]
    projector = with_spectrum(rng, 300, 1.0 / np.arange(1, 17)).astype(np.float32)
    np.savetxt(os.path.join(RUNS, 'projector', 'tensors.tsv'), projector, delimiter='\t', fmt='%.6g')
    with open(os.path.join(RUNS, 'projector', 'metadata.tsv'), 'w') as f:
        f.write(''.join(w + '\n' for w in words))  # one column, no header: 300 labels for 300 rows

    vectors = with_spectrum(rng, 500, np.linspace(1.0, 0.2, 24)).astype('<f4')
    with open(os.path.join(RUNS, 'vectors.fvecs'), 'wb') as f:
        for row in vectors:
            np.array([24], '<i4').tofile(f)
            row.tofile(f)

    write_encoder_run(RUNS)
    write_shards(os.path.join(RUNS, 'shards'))
    write_labelled(os.path.join(RUNS, 'labelled.npz'))

    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(RUNS) for n in ns)
    assert total < 3_000_000, total
    print(f'wrote {RUNS} ({total} bytes)')


if __name__ == '__main__':
    main()
